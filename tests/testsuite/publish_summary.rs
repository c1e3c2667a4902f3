//! What `cnbcargo publish` says at the end: the summary of what went up
//! and what was there, and a failed cargo command named whole.

use crate::support::*;

#[test]
fn the_summary_says_what_went_up_then_that_it_is_there() {
    let registry = TestRegistry::builder().token("tok").start();
    let env = logged_in_env(&registry, "tok");
    let lib = env.new_crate("said", "said", "0.2.0", "");
    let publish = || {
        run(env
            .cnbcargo()
            .args(["publish", "--", "--no-verify"])
            .current_dir(&lib))
    };
    let out = publish();
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Published said@0.2.0 to `cnb-cargo-repo`\n"),
        "{err}"
    );
    assert_eq!(registry.version_names("said"), ["0.2.0"]);

    let out = publish();
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("Published nothing to `cnb-cargo-repo`: `said@0.2.0` is there already\n"),
        "{err}"
    );
    assert!(!err.contains("nothing new to publish"), "{err}");
}

#[test]
fn a_failed_check_names_the_whole_cargo_command_and_never_the_token() {
    let registry = TestRegistry::builder().token("tok-secret-1").start();
    let env = logged_in_env(&registry, "tok-secret-1");
    let lib = env.new_crate("broken", "broken", "0.1.0", "");
    std::fs::write(
        lib.join("src/lib.rs"),
        "pub fn f() -> u8 { \"not a u8\" }\n",
    )
    .unwrap();
    let out = run(env.cnbcargo().arg("publish").current_dir(&lib));
    assert_failure(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("cargo's checks failed; nothing was uploaded"),
        "{err}"
    );
    assert!(
        err.contains("--dry-run --registry cnb-cargo-repo` failed ("),
        "the registry's name is in the failed command: {err}"
    );
    assert!(!err.contains("tok-secret-1"), "{err}");
    assert!(registry.version_names("broken").is_empty());
}
