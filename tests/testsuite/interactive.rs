//! The parts that talk to a person, in a pseudo-terminal: the init prompt
//! that asks again, the hidden token prompt, and delete's confirmation.

#![cfg(unix)]

use crate::support::pty::Pty;
use crate::support::*;

#[test]
fn init_asks_again_after_a_bad_answer() {
    let env = TestEnv::new();
    let mut pty = Pty::spawn(env.cnbcargo().arg("init"));
    let prompt = "CNB registry (index URL or group/registry): ";
    pty.expect(prompt);
    pty.send("just-one-word\n");
    pty.expect(
        "error: `just-one-word` is not a registry path: it needs a group and a registry name",
    );
    pty.expect("hint: pass `group/registry`");
    pty.expect_count(prompt, 2);
    pty.send("http://registry.example.com/x/\n");
    pty.expect("refusing the plain `http://` index");
    pty.expect_count(prompt, 3);
    pty.send("acme/crates\n");
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    let config = env.read("project/.cargo/config.toml");
    assert!(
        config.contains("index = \"sparse+https://cargo.cnb.cool/acme/crates/-/packages/\""),
        "{config}"
    );

    // End of input gives up, as a usage error, and writes nothing.
    let env = TestEnv::new();
    let mut pty = Pty::spawn(env.cnbcargo().arg("init"));
    pty.expect(prompt);
    pty.send("\x04");
    let (status, screen) = pty.wait();
    assert_eq!(status.code(), Some(2), "{screen}");
    assert!(
        screen.contains("missing the registry to configure"),
        "{screen}"
    );
    assert!(!env.project().join(".cargo/config.toml").exists());
}

#[test]
fn the_token_prompt_is_hidden_and_says_where_tokens_come_from() {
    let registry = TestRegistry::builder()
        .token("typed-secret-1")
        .token("typed-secret-2")
        .start();
    let env = configured_env(&registry);
    let mut pty = Pty::spawn(env.cnbcargo().arg("login"));
    pty.expect("note: create a token in your CNB account's settings, with `registry-package:rw` to publish and yank");
    pty.expect("token for `cnb-cargo-repo` (input hidden): ");
    pty.send("typed-secret-1\n");
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    assert!(!screen.contains("typed-secret-1"), "echoed: {screen}");
    assert!(screen.contains("Logged in"), "{screen}");
    assert!(credentials(&env).contains("typed-secret-1"));

    // `--token-stdin` on a terminal reads without echo too.
    let mut pty = Pty::spawn(env.cnbcargo().args(["login", "--token-stdin"]));
    pty.expect("(input hidden): ");
    pty.send("typed-secret-2\n");
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    assert!(!screen.contains("typed-secret-2"), "echoed: {screen}");
    assert!(credentials(&env).contains("typed-secret-2"));
}

#[test]
fn delete_asks_with_the_count_in_view() {
    let registry = TestRegistry::builder().token("tok").start();
    for minor in 0..25 {
        registry.add_version("many", &format!("0.{minor}.0"));
    }
    let env = logged_in_env(&registry, "tok");
    let question = "Delete 25 versions from `cnb-cargo-repo`? This cannot be undone [y/N] ";

    let mut pty = Pty::spawn(env.cnbcargo().args(["delete", "many@<1"]));
    pty.expect(question);
    pty.send("n\n");
    let (status, screen) = pty.wait();
    // Saying no is a choice: a note, and success.
    assert_eq!(status.code(), Some(0), "{screen}");
    // What is listed is what would be deleted, cut so the question stays in view.
    assert!(
        screen.contains("To delete from `cnb-cargo-repo`:\n  many@0.0.0\n"),
        "{screen}"
    );
    assert!(
        screen.contains("  ... and 15 more (`--dry-run` lists them all)\n"),
        "{screen}"
    );
    assert!(!screen.contains("Deleting"), "{screen}");
    assert!(screen.lines().count() < 20, "{screen}");
    assert!(screen.contains("note: nothing was deleted"), "{screen}");
    assert!(!screen.contains("error"), "{screen}");
    assert_eq!(registry.versions("many").len(), 25);
    assert!(registry.requests().iter().all(|r| r.method != "DELETE"));

    let mut pty = Pty::spawn(env.cnbcargo().args(["delete", "many@<1"]));
    pty.expect(question);
    pty.send("y\n");
    let (status, screen) = pty.wait();
    assert!(status.success(), "{screen}");
    assert!(registry.versions("many").is_empty());
}
