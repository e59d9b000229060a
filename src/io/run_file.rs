//! The output file of one run, in the layout of the README ("Output files"):
//!
//! - root attributes: `hamlet_version`, `command_line`, `deck` (the resolved deck as
//!   TOML), `seed`, `start_time` (UTC, ISO 8601) and `complete` (false until the run
//!   ends cleanly);
//! - `/exact`: `energies`, `residuals` and the run's metadata as attributes;
//! - `/vmc/log/*`: one 1-D dataset per logged quantity, one entry per iteration,
//!   rewritten after every iteration so that a killed run keeps every finished one;
//! - `/vmc`: the final estimate as attributes, `/vmc/parameters` (complex as h5py's
//!   native `complex128`).
//!
//! Every save replaces the file atomically (see [`super::h5::write_atomic`]).

use super::h5::{self, Attr, Data, Group};
use crate::error::{Error, Result};
use crate::vmc::Checkpoint;
use std::path::{Path, PathBuf};

/// Where a run came from, recorded in the root attributes.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The full command line.
    pub command_line: String,
    /// The resolved deck, as TOML text.
    pub deck: String,
    /// The run seed.
    pub seed: u64,
}

/// An output file being written.
#[derive(Debug)]
pub struct RunFile {
    path: PathBuf,
    root: Group,
}

/// Refuses to replace an existing output file unless `force`.
pub fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::invalid(
            "output.file",
            format!(
                "'{}' already exists; pass --force to overwrite it, or choose another name",
                path.display()
            ),
        ));
    }
    Ok(())
}

impl RunFile {
    /// Starts the file at `path`: refuses to replace an existing file unless `force`,
    /// and writes the root attributes (with `complete = false`) at once, so that an
    /// unwritable destination fails before any work is done.
    pub fn create(path: &Path, force: bool, provenance: &Provenance) -> Result<Self> {
        refuse_existing(path, force)?;
        if path.is_dir() {
            return Err(Error::invalid(
                "output.file",
                format!("'{}' is a directory; give a file name", path.display()),
            ));
        }
        let mut root = Group::default();
        root.set_attr(
            "hamlet_version",
            Attr::Text(env!("CARGO_PKG_VERSION").into()),
        );
        root.set_attr("layout_version", Attr::Int(LAYOUT_VERSION));
        root.set_attr("command_line", Attr::Text(provenance.command_line.clone()));
        root.set_attr("deck", Attr::Text(provenance.deck.clone()));
        root.set_attr("seed", Attr::Text(provenance.seed.to_string()));
        root.set_attr("start_time", Attr::Text(utc_now()));
        root.set_attr("complete", Attr::Bool(false));
        let file = Self {
            path: path.to_path_buf(),
            root,
        };
        file.save()?;
        Ok(file)
    }

    /// Removes the file of a run refused after it was started (bad input found only
    /// while working), so that no half-written file is left.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Reads a run's file for `hamlet resume`: the tree and its VMC checkpoint.
    /// Refuses files of another layout version and files without a checkpoint.
    pub fn read_checkpointed(path: &Path) -> Result<(Group, Checkpoint)> {
        if !path.exists() {
            return Err(Error::invalid(
                "resume",
                format!("'{}' does not exist", path.display()),
            ));
        }
        let tree = h5::read(path)?;
        match tree.attrs.get("layout_version") {
            Some(Attr::Int(v)) if *v == LAYOUT_VERSION => {}
            other => {
                let written_by = match tree.attrs.get("hamlet_version") {
                    Some(Attr::Text(v)) => format!("hamlet {v}"),
                    _ => "another program".into(),
                };
                return Err(Error::invalid(
                    "resume",
                    format!(
                        "'{}' was written by {written_by} with file layout {}; this hamlet \
                         ({}) resumes layout {LAYOUT_VERSION} only",
                        path.display(),
                        match other {
                            Some(Attr::Int(v)) => v.to_string(),
                            _ => "unknown".into(),
                        },
                        env!("CARGO_PKG_VERSION")
                    ),
                ));
            }
        }
        let Some(group) = tree.group("vmc/checkpoint") else {
            return Err(Error::invalid(
                "resume",
                format!(
                    "'{}' has no VMC checkpoint (/vmc/checkpoint): only ground-state runs \
                     with an output file can be resumed",
                    path.display()
                ),
            ));
        };
        let checkpoint = Checkpoint::read(group, &path.display().to_string())?;
        Ok((tree, checkpoint))
    }

    /// The resolved deck stored in a run's file.
    pub fn deck_text(tree: &Group) -> String {
        match tree.attrs.get("deck") {
            Some(Attr::Text(t)) => t.clone(),
            _ => String::new(),
        }
    }

    /// Reopens a run's file to continue it from the checkpoint at `iteration`: the log
    /// is cut back to that iteration (so the continued log has no gap and no
    /// duplicate), the final results are dropped, `complete` is reset, and the command
    /// line of the resumption is appended to `command_line`.
    pub fn reopen(
        path: &Path,
        mut root: Group,
        iteration: usize,
        command_line: &str,
    ) -> Result<Self> {
        root.set_attr("complete", Attr::Bool(false));
        if let Some(Attr::Text(previous)) = root.attrs.get("command_line").cloned() {
            root.set_attr(
                "command_line",
                Attr::Text(format!("{previous}\n{command_line}")),
            );
        }
        let vmc = root.group_mut("vmc");
        vmc.attrs.clear();
        vmc.datasets.remove("parameters");
        for dataset in vmc.group_mut("log").datasets.values_mut() {
            dataset.truncate(iteration);
        }
        let file = Self {
            path: path.to_path_buf(),
            root,
        };
        file.save()?;
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tree to fill.
    pub fn root_mut(&mut self) -> &mut Group {
        &mut self.root
    }

    /// Writes the current tree (atomically; not synced to the disk, which costs more
    /// than a small VMC iteration).
    pub fn save(&self) -> Result<()> {
        h5::write_atomic(&self.path, &self.root, false)
    }

    /// Marks the run complete and writes the file, synced to the disk.
    pub fn finish(mut self) -> Result<()> {
        self.root.set_attr("complete", Attr::Bool(true));
        h5::write_atomic(&self.path, &self.root, true)
    }
}

/// Version of the file layout; `hamlet resume` refuses files of another layout.
pub const LAYOUT_VERSION: i64 = 1;

/// Appends one value to each named 1-D float dataset of `group`.
pub fn append_floats(group: &mut Group, values: &[(&str, f64)]) {
    for &(name, value) in values {
        let entry = group
            .datasets
            .entry(name.to_string())
            .or_insert_with(|| h5::Dataset {
                data: Data::Float(Vec::new()),
                shape: vec![0],
                attrs: Default::default(),
            });
        if let Data::Float(v) = &mut entry.data {
            v.push(value);
            entry.shape = vec![v.len()];
        }
    }
}

/// Appends one value to a 1-D integer dataset of `group`.
pub fn append_int(group: &mut Group, name: &str, value: i64) {
    let entry = group
        .datasets
        .entry(name.to_string())
        .or_insert_with(|| h5::Dataset {
            data: Data::Int(Vec::new()),
            shape: vec![0],
            attrs: Default::default(),
        });
    if let Data::Int(v) = &mut entry.data {
        v.push(value);
        entry.shape = vec![v.len()];
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            command_line: "hamlet exact --model tfim --size 8".into(),
            deck: "seed = 3\n".into(),
            seed: 3,
        }
    }

    #[test]
    fn existing_files_are_kept_unless_forced() {
        let dir = std::env::temp_dir().join(format!("hamlet-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.h5");
        std::fs::write(&path, b"precious").unwrap();
        let err = RunFile::create(&path, false, &provenance()).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        let file = RunFile::create(&path, true, &provenance()).unwrap();
        file.finish().unwrap();
        let tree = h5::read(&path).unwrap();
        assert_eq!(tree.attrs["complete"], Attr::Bool(true));
        assert_eq!(tree.attrs["seed"], Attr::Text("3".into()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn timestamps_are_iso_8601() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T",
            "{t}"
        );
    }
}
