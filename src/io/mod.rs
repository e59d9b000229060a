//! Everything that touches files: TOML decks, sampled initial states and HDF5 output.

pub mod deck;
pub mod diabatic_data;
pub mod diabatic_deck;
pub mod diabatic_net_file;
pub mod figures;
pub mod ground_state;
pub mod h5;
pub mod hop_deck;
pub mod output;
pub mod psi_file;
pub mod run_file;
pub mod schrodinger_deck;

pub use deck::{Deck, Problem, DEFAULT_SEED};
pub use schrodinger_deck::SchrodingerProblem;
