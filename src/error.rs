//! The crate's error type. Every message names what is wrong and, where it can,
//! the deck key or flag to change.

use std::path::PathBuf;

/// Errors raised while building or solving a problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range or inconsistent with others.
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    /// A deck could not be read or parsed.
    #[error("{path}: {message}")]
    Deck { path: String, message: String },
    /// A file could not be opened.
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A numerical method failed (no convergence, NaN, singular matrix).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// The run was stopped by SIGINT or SIGTERM after finishing an iteration.
    #[error("interrupted after iteration {iteration}")]
    Interrupted { iteration: usize },
}

impl Error {
    /// An invalid value for `key`, with a message saying what is allowed.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
