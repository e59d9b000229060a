//! Subcommands kept out of `main.rs`.

pub mod diabatic;
pub mod hop;
pub mod plot;
pub mod schrodinger;

use crate::RunFlags;
use hamlet::io::Deck;

/// Applies `--seed` and `--output` to `deck`, then every `--set` (which wins).
pub(crate) fn apply_run_flags(
    deck: &mut Deck,
    run: &RunFlags,
    set: &[String],
) -> anyhow::Result<()> {
    if let Some(s) = run.seed {
        deck.set("seed", &s.to_string())?;
    }
    if let Some(p) = &run.output {
        deck.set(
            "output.file",
            &toml::Value::String(p.display().to_string()).to_string(),
        )?;
    }
    for assignment in set {
        deck.set_assignment(assignment)?;
    }
    Ok(())
}
