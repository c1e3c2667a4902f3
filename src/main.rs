//! `cnbcargo`: see the library for the program.

fn main() -> std::process::ExitCode {
    cnbcargo::main()
}
