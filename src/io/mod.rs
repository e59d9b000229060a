//! Everything that touches files: TOML decks and HDF5 output.

pub mod deck;
pub mod ground_state;
pub mod h5;
pub mod output;
pub mod run_file;

pub use deck::{Deck, Problem, DEFAULT_SEED};
