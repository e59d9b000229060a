//! Everything that touches files: TOML decks (and, later, HDF5 output and checkpoints).

pub mod deck;
pub mod ground_state;

pub use deck::{Deck, Problem, DEFAULT_SEED};
