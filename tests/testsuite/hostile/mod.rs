//! A hostile registry and a hostile machine, by subject: what the client
//! reads from a server (`bodies`), where the token may go (`urls`), server
//! text on its way to the terminal (`server_text`), odd names and tokens
//! from the user (`input`), FIFOs and stray files on disk (`disk`), and
//! the fault injection's own check (`registry`). Each test asserts what the
//! client must do; every command runs with a deadline (`cnbcargo_bounded`).

mod bodies;
mod disk;
mod input;
mod registry;
mod server_text;
mod urls;
