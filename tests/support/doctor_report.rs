//! `doctor --json`'s report: running it and finding one check.

use std::process::{Command, Output};

use serde_json::Value;

use super::{run, stderr, stdout};

/// Runs `cmd` with `doctor --json` appended: (output, parsed report).
pub fn doctor_json(cmd: &mut Command) -> (Output, Value) {
    let out = run(cmd.args(["doctor", "--json"]));
    let report = doctor_report(&out);
    (out, report)
}

/// The doctor report on a finished command's stdout.
#[track_caller]
pub fn doctor_report(out: &Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// The check `id`, if the report has it.
pub fn find_check<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["checks"]
        .as_array()
        .expect("a `checks` array")
        .iter()
        .find(|c| c["id"] == id)
}

/// The check `id`; the test fails when the report lacks it.
#[track_caller]
pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    find_check(report, id).unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

/// The `status` (`pass`, `warn`, `fail`, ...) of the check `id`.
#[track_caller]
pub fn check_status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}
