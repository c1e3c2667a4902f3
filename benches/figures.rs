//! Prints the figures the README quotes: each pair measured side by side,
//! alternating, in one run, against the test registry on 127.0.0.1.
//! Run with `cargo bench --bench figures` (or `bash benches/run.sh`, which
//! also times a clean release build).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::path::PathBuf;
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

/// Peak resident memory of cnbcargo's own process (not its cargo
/// children), in KiB: `VmHWM` read from /proc while it runs. The value only
/// grows, so the last reading before exit is the peak up to then.
/// A copy of a command (program, arguments, environment, directory).
fn clone(cmd: &Command) -> Command {
    let mut copy = Command::new(cmd.get_program());
    copy.args(cmd.get_args()).env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            copy.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        copy.current_dir(dir);
    }
    copy
}

fn own_peak_kib(cmd: &mut Command) -> Option<u64> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            && kib > 0
        {
            peak = Some(kib);
        }
        if child.try_wait().ok()?.is_some() {
            return peak;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
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
    // `CNBCARGO_BENCH_ONLY=migrate cargo bench --bench figures`: that part alone.
    // `CNBCARGO_BENCH_ONLY=bombs`: issue 18's memory bombs alone.
    if std::env::var("CNBCARGO_BENCH_ONLY").as_deref() == Ok("bombs") {
        bomb_figures();
        return;
    }
    if std::env::var("CNBCARGO_BENCH_ONLY").as_deref() == Ok("migrate") {
        let mut peaks = Vec::new();
        migrate_figures(&mut peaks);
        for (label, own, _) in peaks {
            println!("  {label:<44} {:?} KiB", own);
        }
        return;
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("cnbcargo figures ({cores} cores), medians of alternating runs\n");
    // (command, cnbcargo's own peak, the largest process of the tree).
    let mut peaks: Vec<(String, Option<u64>, Option<u64>)> = Vec::new();

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
    // It runs no child, so the tree is cnbcargo alone (and it exits before
    // /proc can be sampled).
    let tree = peak_kib(&version, None);
    peaks.push(("cnbcargo --version".into(), tree, tree));

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
    // What the token check costs: the index, then three probes side by
    // side, against the same login without them (CNB's API known, as in
    // a pipeline).
    env.env("CNB_API_ENDPOINT", registry.api_url());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        a.push(timed(env.cnbcargo().arg("login"), None).0);
        b.push(timed(env.cnbcargo().args(["login", "--no-verify-token"]), None).0);
    }
    pair(
        "login token check",
        "cnbcargo login (checked)",
        "cnbcargo login --no-verify-token",
        a,
        b,
    );
    let mut login = env.cnbcargo();
    login.arg("login");
    peaks.push((
        "cnbcargo login".into(),
        own_peak_kib(&mut clone(&login)),
        peak_kib(&login, None),
    ));

    // Publish: the whole placeholder path (cargo's checks, the placeholder
    // through the Web API, the real publish, the wait, the delete) against
    // a plain publish of the same crate to a registry without the
    // collision; with verification (cargo's default) and without.
    for verify in [true, false] {
        let extra: &[&str] = if verify { &[] } else { &["--no-verify"] };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..8 {
            let name = format!("bench-crate-{i}");
            let colliding = TestRegistry::builder()
                .token("t")
                .upstream(&name, "1.0.0")
                .start();
            let env = logged_in_env(&colliding, "t");
            let lib = env.new_crate("lib", &name, "1.0.0", "");
            let mut cmd = env.cnbcargo();
            cmd.arg("publish").args(extra).current_dir(&lib);
            // The first two runs measure memory (and warm up), the rest time.
            if i < 2 {
                if !verify && i == 0 {
                    let own = own_peak_kib(&mut cmd);
                    peaks.push(("cnbcargo publish (placeholder path)".into(), own, None));
                } else if !verify {
                    peaks.last_mut().expect("pushed at i == 0").2 = peak_kib(&cmd, None);
                } else {
                    timed(&mut cmd, None);
                }
                continue;
            }
            a.push(timed(&mut cmd, None).0);
            assert_eq!(colliding.versions(&name), [("1.0.0".to_string(), false)]);

            let plain = TestRegistry::builder().token("t").start();
            let env = logged_in_env(&plain, "t");
            let lib = env.new_crate("lib", &name, "1.0.0", "");
            b.push(
                timed(
                    env.cargo().arg("publish").args(extra).current_dir(&lib),
                    None,
                )
                .0,
            );
        }
        let how = if verify { "verified" } else { "--no-verify" };
        pair(
            &format!("publish one crate, {how}"),
            "cnbcargo publish (placeholder path)",
            "cargo publish (no collision)",
            a,
            b,
        );
    }

    // A five-crate workspace (a chain, two members colliding) against
    // `cargo publish --workspace` of the same five without the collision.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let names: Vec<String> = (1..=5).map(|n| format!("bench-ws{i}-m{n}")).collect();
        let colliding = TestRegistry::builder()
            .token("t")
            .upstream(&names[0], "1.0.0")
            .upstream(&names[2], "1.0.0")
            .start();
        let env = logged_in_env(&colliding, "t");
        let ws = five_crate_workspace(&env, &names);
        let mut cmd = env.cnbcargo();
        cmd.arg("publish").current_dir(&ws);
        let took = timed(&mut cmd, None).0;
        for name in &names {
            assert_eq!(colliding.versions(name), [("1.0.0".to_string(), false)]);
        }
        let plain = TestRegistry::builder().token("t").start();
        let env = logged_in_env(&plain, "t");
        let ws = five_crate_workspace(&env, &names);
        let theirs = timed(
            env.cargo()
                .args(["publish", "--workspace"])
                .current_dir(&ws),
            None,
        )
        .0;
        if i > 0 {
            a.push(took);
            b.push(theirs);
        }
    }
    pair(
        "publish a five-crate workspace, verified",
        "cnbcargo publish (two members collide)",
        "cargo publish --workspace (no collision)",
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
                let own = own_peak_kib(&mut clone(&cmd));
                for v in 0..100 {
                    registry.add_version("bulk", &format!("0.{v}.0"));
                }
                let tree = peak_kib(&cmd, None);
                for v in 0..100 {
                    registry.add_version("bulk", &format!("0.{v}.0"));
                }
                peaks.push(("cnbcargo delete (100 versions)".into(), own, tree));
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
    peaks.push((
        "cnbcargo doctor".into(),
        own_peak_kib(&mut clone(&doctor)),
        peak_kib(&doctor, None),
    ));
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
    let own = own_peak_kib(&mut clone(&init));
    std::fs::write(
        env.project().join(".cargo/config.toml"),
        std::fs::read(&largest).unwrap(),
    )
    .unwrap();
    peaks.push((
        "cnbcargo init (largest corpus file)".into(),
        own,
        peak_kib(&init, None),
    ));
    println!(
        "init on {} ({} bytes)\n  median {:.2} ms over {} runs",
        largest.file_name().unwrap().to_string_lossy(),
        std::fs::metadata(&largest).unwrap().len(),
        ms(median(samples)),
        20
    );

    migrate_figures(&mut peaks);
    hostile_figures();
    bomb_figures();

    println!("\npeak memory (max RSS): cnbcargo itself / largest process incl. the cargo it runs");
    let mib = |kib: Option<u64>| {
        kib.map_or("      ?".to_string(), |k| {
            format!("{:>7.2}", k as f64 / 1024.0)
        })
    };
    for (label, own, tree) in peaks {
        println!("  {label:<44} {} MiB / {} MiB", mib(own), mib(tree));
    }
    let size = std::fs::metadata(cnbcargo_bin()).unwrap().len();
    println!(
        "\nbinary {} bytes ({:.2} MiB)",
        size,
        size as f64 / (1024.0 * 1024.0)
    );
}

/// `migrate`: 200 versions (20 crates of 10) between two registries with
/// 50 ms added to every request, all at once (the default `--jobs`) and
/// one at a time; then cnbcargo's own peak memory with a 20 MB crate
/// among them.
fn migrate_figures(peaks: &mut Vec<(String, Option<u64>, Option<u64>)>) {
    let fixture = |big: bool| {
        let source = TestRegistry::builder()
            .slug("old/crates")
            .token("src")
            .start();
        for c in 0..20 {
            for v in 0..10 {
                let payload = if big && c == 0 && v == 0 {
                    // Incompressible, so the `.crate` is 20 MB too.
                    let mut state = 0x2545_f491_4f6c_dd1du64;
                    (0..20_000_000)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            state as u8
                        })
                        .collect::<Vec<u8>>()
                } else {
                    vec![b'x'; 1024]
                };
                source.add_real_crate(&format!("bulk-{c}"), &format!("0.{v}.0"), &payload);
            }
        }
        let dest = TestRegistry::builder().token("dst").start();
        let mut env = logged_in_env(&dest, "dst");
        env.env("CNBCARGO_FROM_TOKEN", "src");
        source.set_latency(Duration::from_millis(50));
        dest.set_latency(Duration::from_millis(50));
        (source, dest, env)
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for (jobs, samples) in [(None, &mut a), (Some("1"), &mut b)] {
            let (source, dest, env) = fixture(false);
            let mut cmd = env.cnbcargo();
            cmd.args(["migrate", "--from", &source.index_url(), "--all"]);
            if let Some(jobs) = jobs {
                cmd.args(["--jobs", jobs]);
            }
            samples.push(timed(&mut cmd, None).0);
            assert_eq!(dest.versions("bulk-19").len(), 10);
        }
    }
    pair(
        "migrate 200 versions, 50 ms latency on both registries",
        "cnbcargo migrate (default --jobs 8)",
        "one version at a time (--jobs 1)",
        a,
        b,
    );
    let (source, dest, env) = fixture(true);
    let mut cmd = env.cnbcargo();
    cmd.args(["migrate", "--from", &source.index_url(), "--all"]);
    let own = own_peak_kib(&mut cmd);
    assert_eq!(dest.versions("bulk-0").len(), 10);
    assert_eq!(
        dest.crate_file("bulk-0", "0.0.0")
            .map(|c| c.len() > 20_000_000),
        Some(true)
    );
    peaks.push((
        "cnbcargo migrate (200 versions, one of 20 MB)".into(),
        own,
        own,
    ));
}

/// CPU time (user + system, seconds) and peak memory (KiB) of a command,
/// from GNU time; it may fail, the figures are what is measured.
fn cpu_and_peak(cmd: &Command) -> Option<(f64, u64)> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("cpu=%U+%S peak-kib=%M")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let out = timed.stdin(Stdio::null()).output().ok()?;
    let err = stderr(&out);
    let line = err.lines().rev().find(|l| l.starts_with("cpu="))?;
    let (cpu, peak) = line.strip_prefix("cpu=")?.split_once(" peak-kib=")?;
    let (user, system) = cpu.split_once('+')?;
    let seconds = user.parse::<f64>().ok()? + system.parse::<f64>().ok()?;
    Some((seconds, peak.trim().parse().ok()?))
}

/// The binaries to measure: this build, and the one named by
/// `CNBCARGO_BENCH_BEFORE` (an earlier build) when set, for before/after.
fn binaries() -> Vec<(&'static str, PathBuf)> {
    let mut list = vec![("after", cnbcargo_bin())];
    if let Some(before) = std::env::var_os("CNBCARGO_BENCH_BEFORE") {
        list.push(("before", PathBuf::from(before)));
    }
    list
}

/// Hostile servers: cnbcargo's own peak memory while the server sends a
/// 200 MB body, and the client time of `delete` over 20,000 and 40,000
/// listed versions (linear: the two should differ by about 2x).
fn hostile_figures() {
    println!("\nhostile servers (cnbcargo's own peak memory, client CPU time)");
    for (label, bin) in binaries() {
        for (what, fault) in [
            (
                "200 MB body, with Content-Length",
                support::registry_mod::FaultKind::HugeBody(200 << 20),
            ),
            (
                "endless chunked body",
                support::registry_mod::FaultKind::EndlessChunked,
            ),
        ] {
            let registry = TestRegistry::builder().token("t").start();
            registry.add_version("big", "0.1.0");
            let mut env = logged_in_env(&registry, "t");
            env.env("CNBCARGO_HTTP_TIMEOUT", "30");
            registry.fault_next("/cargo/big/-/tags", 1, fault);
            let mut cmd = env.command(&bin);
            cmd.args(["list", "big"]);
            let started = Instant::now();
            let peak = own_peak_kib(&mut cmd);
            println!(
                "  {label:<6} list, {what:<36} peak {:>8} KiB, {:>8.1} ms",
                peak.map_or("?".into(), |k| k.to_string()),
                ms(started.elapsed())
            );
        }
        // The quadratic code took 26 s for 20,000: the earlier build gets only that.
        let sizes: &[usize] = if label == "after" {
            &[20_000, 40_000]
        } else {
            &[20_000]
        };
        for &versions in sizes {
            let registry = TestRegistry::builder().token("t").start();
            for i in 0..versions {
                registry.add_version("bulk", &format!("0.{}.{}", i / 1000, i % 1000));
            }
            let env = logged_in_env(&registry, "t");
            let mut cmd = env.command(&bin);
            cmd.args(["delete", "bulk@>=0", "--dry-run"]);
            let started = Instant::now();
            match cpu_and_peak(&cmd) {
                Some((cpu, peak)) => println!(
                    "  {label:<6} delete --dry-run over {versions} versions: client CPU {:>7.3} s, peak {peak} KiB, wall {:>8.1} ms (server included)",
                    cpu,
                    ms(started.elapsed())
                ),
                None => {
                    println!("  {label:<6} delete over {versions} versions: /usr/bin/time missing")
                }
            }
        }
    }
}

/// `project/ws` with five members, each depending on the one before.
fn five_crate_workspace(env: &TestEnv, names: &[String]) -> PathBuf {
    let members: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    env.write(
        "project/ws/Cargo.toml",
        &format!(
            "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
            members.join(", ")
        ),
    );
    for (i, name) in names.iter().enumerate() {
        let dep = if i == 0 {
            String::new()
        } else {
            format!(
                "{prev} = {{ path = \"../{prev}\", version = \"1.0.0\", registry = \"cnb-cargo-repo\" }}\n",
                prev = names[i - 1]
            )
        };
        env.write(
            &format!("project/ws/{name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\
                 description = \"x\"\nlicense = \"MIT\"\n\n[dependencies]\n{dep}"
            ),
        );
        env.write(&format!("project/ws/{name}/src/lib.rs"), "pub fn f() {}\n");
    }
    env.project().join("ws")
}

/// A `.crate` whose manifest names `README.md`, with `count` top-level
/// `README-N` files of 1 MiB of zeros, tarred straight into the gzip
/// stream (3,000 of them are 3 GiB unpacked, ~3 MB packed).
fn readme_bomb(name: &str, vers: &str, count: usize) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"{vers}\"\nedition = \"2021\"\nreadme = \"README.md\"\n"
    );
    let zeros = vec![0u8; 1 << 20];
    let mut add = |path: &str, contents: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{name}-{vers}/{path}"), contents)
            .unwrap();
    };
    add("Cargo.toml", manifest.as_bytes());
    for i in 0..count {
        add(&format!("README-{i:04}"), &zeros);
    }
    add("README.md", b"# bomb\n");
    tar.into_inner().unwrap().finish().unwrap()
}

/// Issue 18's memory bombs, cnbcargo's own peak memory: `migrate` of a
/// `.crate` holding 3,000 top-level READMEs of 1 MiB of zeros (refused
/// now: it unpacks to more than cargo's 512 MiB) and of one holding 140
/// (copied, holding one README); an index file of valid lines without
/// end, read by `list` (versions) and by `migrate` (every field).
fn bomb_figures() {
    println!("\nmemory bombs (cnbcargo's own peak memory)");
    for (label, bin) in binaries() {
        for count in [140, 3000] {
            let source = TestRegistry::builder().slug("old/bombs").token("s").start();
            let dest = TestRegistry::builder().token("d").start();
            let bytes = readme_bomb("bomb", "1.0.0", count);
            let mut entry = support::registry_mod::upstream_entry("bomb", "1.0.0");
            entry["cksum"] = support::registry_mod::sha256_hex(&bytes).into();
            let packed = bytes.len();
            source.add_crate(entry, bytes);
            let mut env = logged_in_env(&dest, "d");
            env.env("CNBCARGO_FROM_TOKEN", "s");
            let mut cmd = env.command(&bin);
            cmd.args(["migrate", "--from", &source.index_url(), "bomb"]);
            let started = Instant::now();
            let peak = own_peak_kib(&mut cmd);
            println!(
                "  {label:<6} migrate, {count:>4} READMEs of 1 MiB ({:.1} MB packed): peak {:>8} KiB, {:>8.1} ms, copied: {}",
                packed as f64 / 1e6,
                peak.map_or("?".into(), |k| k.to_string()),
                ms(started.elapsed()),
                !dest.uploads().is_empty()
            );
        }
        let line = format!(
            "{{\"name\":\"endless\",\"vers\":\"1.0.0\",\"deps\":[],\"cksum\":\"{}\",\"features\":{{}},\"yanked\":false}}\n",
            "0".repeat(64)
        );
        for (what, short) in [("list", false), ("migrate", true)] {
            let source = TestRegistry::builder()
                .slug("old/endless")
                .token("s")
                .start();
            source.add_real_crate("endless", "1.0.0", b"x");
            let dest = TestRegistry::builder().token("d").start();
            dest.add_version("endless", "1.0.0");
            let mut env = logged_in_env(&dest, "d");
            env.env("CNBCARGO_FROM_TOKEN", "s");
            let mut cmd = env.command(&bin);
            let fault = if short {
                support::registry_mod::FaultKind::EndlessLines(
                    "{\"name\":\"endless\",\"vers\":\"1.0.0\",\"cksum\":\"\"}\n".to_string(),
                )
            } else {
                support::registry_mod::FaultKind::EndlessLines(line.clone())
            };
            if short {
                source.fault_next("/en/dl/endless", 1, fault);
                cmd.args(["migrate", "--from", &source.index_url(), "endless"]);
            } else {
                dest.fault_next("/en/dl/endless", 1, fault);
                cmd.args(["list", "endless"]);
            }
            let started = Instant::now();
            let peak = own_peak_kib(&mut cmd);
            println!(
                "  {label:<6} {what:<7} of an endless index file: peak {:>8} KiB, {:>8.1} ms",
                peak.map_or("?".into(), |k| k.to_string()),
                ms(started.elapsed())
            );
        }
    }
}
