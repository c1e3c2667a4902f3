//! Prints the figures the README quotes: each pair measured side by side,
//! alternating, in one run, against the test registry on 127.0.0.1.
//! Run with `cargo bench --bench figures` (or `bash benches/run.sh`, which
//! also times a clean release build).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed(cmd: &mut Command, stdin: Option<&[u8]>) -> (Duration, Output) {
    let start = Instant::now();
    let out = match stdin {
        Some(input) => run_with_stdin(cmd, input),
        None => cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap(),
    };
    let took = start.elapsed();
    assert!(out.status.success(), "{:?} failed: {}", cmd, stderr(&out));
    (took, out)
}

/// Peak resident memory of a command, in KiB, from GNU time.
fn peak_kib(cmd: &Command, stdin: Option<&[u8]>) -> Option<u64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .arg("-f")
        .arg("peak-kib=%M")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let out = match stdin {
        Some(input) => run_with_stdin(&mut wrapped, input),
        None => wrapped.stdin(Stdio::null()).output().unwrap(),
    };
    stderr(&out).lines().rev().find_map(|l| {
        l.strip_prefix("peak-kib=")
            .and_then(|v| v.trim().parse().ok())
    })
}

fn pair(label: &str, ours: &str, theirs: &str, a: Vec<Duration>, b: Vec<Duration>) {
    let (n, ma, mb) = (a.len(), median(a), median(b));
    println!("{label}");
    println!("  {ours:<44} median {:>9.2} ms", ms(ma));
    println!("  {theirs:<44} median {:>9.2} ms", ms(mb));
    println!(
        "  ratio {:.2}x over {n} runs each",
        ma.as_secs_f64() / mb.as_secs_f64()
    );
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("cnbcargo figures ({cores} cores), medians of alternating runs\n");
    let mut peaks: Vec<(String, Option<u64>)> = Vec::new();

    // Startup.
    let env = TestEnv::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        a.push(timed(env.cnbcargo().arg("--version"), None).0);
        b.push(timed(env.cargo().arg("-V"), None).0);
    }
    pair("startup", "cnbcargo --version", "cargo -V", a, b);
    let mut version = env.cnbcargo();
    version.arg("--version");
    peaks.push(("cnbcargo --version".into(), peak_kib(&version, None)));

    // Login.
    let registry = TestRegistry::builder().token("bench-token").start();
    let mut env = TestEnv::new();
    timed(env.cnbcargo().args(["init", &registry.http_index()]), None);
    env.env("CNB_TOKEN", "bench-token");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        a.push(timed(env.cnbcargo().arg("login"), None).0);
        b.push(
            timed(
                env.cargo().args(["login", "--registry", "cnb-cargo-repo"]),
                Some(b"bench-token\n"),
            )
            .0,
        );
    }
    pair(
        "login",
        "cnbcargo login",
        "echo TOKEN | cargo login --registry NAME",
        a,
        b,
    );
    let mut login = env.cnbcargo();
    login.arg("login");
    peaks.push(("cnbcargo login".into(), peak_kib(&login, None)));

    // Publish: the whole placeholder path against a plain publish of the
    // same crate to a registry without the collision.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..7 {
        let name = format!("bench-crate-{i}");
        let colliding = TestRegistry::builder()
            .token("t")
            .upstream(&name, "1.0.0")
            .start();
        let env = logged_in_env(&colliding, "t");
        let lib = env.new_crate("lib", &name, "1.0.0", "");
        let mut cmd = env.cnbcargo();
        cmd.args(["publish", "--", "--no-verify"]).current_dir(&lib);
        if i == 0 {
            peaks.push((
                "cnbcargo publish (placeholder path)".into(),
                peak_kib(&cmd, None),
            ));
            continue; // the measured run above is a warm-up
        }
        a.push(timed(&mut cmd, None).0);
        assert_eq!(colliding.versions(&name), [("1.0.0".to_string(), false)]);

        let plain = TestRegistry::builder().token("t").start();
        let env = logged_in_env(&plain, "t");
        let lib = env.new_crate("lib", &name, "1.0.0", "");
        b.push(
            timed(
                env.cargo()
                    .args(["publish", "--no-verify"])
                    .current_dir(&lib),
                None,
            )
            .0,
        );
    }
    pair(
        "publish",
        "cnbcargo publish (placeholder path)",
        "cargo publish --no-verify (no collision)",
        a,
        b,
    );

    // Delete 100 versions with 50 ms added latency.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..3 {
        for (jobs, samples) in [("16", &mut a), ("1", &mut b)] {
            let registry = TestRegistry::builder().token("t").start();
            for v in 0..100 {
                registry.add_version("bulk", &format!("0.{v}.0"));
            }
            let env = logged_in_env(&registry, "t");
            registry.set_latency(Duration::from_millis(50));
            let mut cmd = env.cnbcargo();
            cmd.args(["delete", "bulk@<1", "--yes", "--jobs", jobs]);
            if round == 0 && jobs == "16" {
                peaks.push((
                    "cnbcargo delete (100 versions)".into(),
                    peak_kib(&cmd, None),
                ));
                for v in 0..100 {
                    registry.add_version("bulk", &format!("0.{v}.0"));
                }
            }
            samples.push(timed(&mut cmd, None).0);
            assert!(registry.versions("bulk").is_empty());
        }
    }
    pair(
        "delete 100 versions, 50 ms latency",
        "cnbcargo delete (16 at a time)",
        "one request at a time (--jobs 1)",
        a,
        b,
    );

    // doctor: its network checks run in parallel. With 100 ms added to
    // every request, the index checks take two round trips and the API one.
    let registry = TestRegistry::builder().token("t").start();
    let env = logged_in_env(&registry, "t");
    registry.set_latency(Duration::from_millis(100));
    let mut samples = Vec::new();
    for _ in 0..5 {
        samples.push(timed(env.cnbcargo().arg("doctor"), None).0);
    }
    let mut doctor = env.cnbcargo();
    doctor.arg("doctor");
    peaks.push(("cnbcargo doctor".into(), peak_kib(&doctor, None)));
    println!(
        "doctor, 100 ms added to each of its 3 requests\n  median {:.2} ms over 5 runs (3 x 100 ms if run one after another)",
        ms(median(samples))
    );

    // init on the largest corpus file.
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cargo-configs");
    let largest = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut samples = Vec::new();
    let env = TestEnv::new();
    for _ in 0..20 {
        std::fs::create_dir_all(env.project().join(".cargo")).unwrap();
        // Written, not copied: the fixture's read-only mode must not come along.
        std::fs::write(
            env.project().join(".cargo/config.toml"),
            std::fs::read(&largest).unwrap(),
        )
        .unwrap();
        samples.push(timed(env.cnbcargo().args(["init", "acme/crates"]), None).0);
    }
    std::fs::write(
        env.project().join(".cargo/config.toml"),
        std::fs::read(&largest).unwrap(),
    )
    .unwrap();
    let mut init = env.cnbcargo();
    init.args(["init", "acme/crates"]);
    peaks.push((
        "cnbcargo init (largest corpus file)".into(),
        peak_kib(&init, None),
    ));
    println!(
        "init on {} ({} bytes)\n  median {:.2} ms over {} runs",
        largest.file_name().unwrap().to_string_lossy(),
        std::fs::metadata(&largest).unwrap().len(),
        ms(median(samples)),
        20
    );

    println!("\npeak memory (max RSS)");
    for (label, kib) in peaks {
        match kib {
            Some(kib) => println!("  {label:<44} {:>7.2} MiB", kib as f64 / 1024.0),
            None => println!("  {label:<44} (needs /usr/bin/time)"),
        }
    }
    let size = std::fs::metadata(cnbcargo_bin()).unwrap().len();
    println!(
        "\nbinary {} bytes ({:.2} MiB)",
        size,
        size as f64 / (1024.0 * 1024.0)
    );
}
