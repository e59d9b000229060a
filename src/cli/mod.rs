//! Subcommands kept out of `main.rs`.

pub mod diabatic;
pub mod hop;
pub mod schrodinger;
