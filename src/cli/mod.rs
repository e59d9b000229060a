//! Subcommands kept out of `main.rs`.

pub mod diabatic;
pub mod schrodinger;
