//! `cargo-cnb`, which cargo runs for `cargo cnb <command>`: the same
//! program as `cnbcargo`.

fn main() -> std::process::ExitCode {
    cnbcargo::main()
}
