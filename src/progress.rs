//! Progress on stderr for long commands: an `indicatif` bar when stderr is a
//! terminal, one plain line per report otherwise (logs, pipes, batch jobs), nothing
//! with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A progress reporter.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    /// Least time between plain lines.
    interval: Duration,
    last_line: Mutex<Option<Instant>>,
}

impl Progress {
    /// A reporter for `total` steps (`None`: open-ended, e.g. Lanczos until
    /// convergence), printing plain lines at most once per `interval` when stderr is
    /// not a terminal.
    pub fn new(total: Option<u64>, quiet: bool, interval: Duration) -> Self {
        let plain = |lines| Self {
            bar: None,
            lines,
            interval,
            last_line: Mutex::new(None),
        };
        if quiet {
            return plain(false);
        }
        if !std::io::stderr().is_terminal() {
            return plain(true);
        }
        let (bar, template) = match total {
            Some(n) => (
                ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                "{elapsed_precise} [{bar:28}] {pos}/{len} (ETA {eta}) {msg}",
            ),
            None => (
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                "{elapsed_precise} {spinner} {pos} {msg}",
            ),
        };
        let style = ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> ");
        Self {
            bar: Some(bar.with_style(style)),
            lines: false,
            interval,
            last_line: Mutex::new(None),
        }
    }

    /// Reports step `position`: `short` goes next to the bar, `line` is the plain
    /// log line.
    pub fn report(&self, position: u64, short: String, line: impl FnOnce() -> String) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.set_message(short);
        } else if self.lines {
            let now = Instant::now();
            let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_none_or(|t| now.duration_since(t) >= self.interval) {
                *last = Some(now);
                eprintln!("{}", line());
            }
        }
    }

    /// Removes the bar (plain lines stay).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
