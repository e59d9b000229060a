//! The surface-hopping figure: branching probabilities against the initial momentum k,
//! one panel per outcome (transmitted or reflected, on each adiabatic state). FSSH
//! estimates are points with binomial ±1σ error bars; the exact wave-packet results
//! are a line.

use super::{draw_legend, render, DrawResult, Figure, Format, DATA, FONT, REFERENCE};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Branching probabilities of one method over a list of momenta.
#[derive(Clone, Debug, Default)]
pub struct BranchingSet {
    /// Method, for the legend ("FSSH, 2000 trajectories", "exact wave packet").
    pub label: String,
    /// Initial momenta k (a.u.).
    pub k: Vec<f64>,
    /// `transmitted[i][s]`: probability of leaving to the right on state `s` at `k[i]`.
    pub transmitted: Vec<Vec<f64>>,
    /// `reflected[i][s]`: the same to the left.
    pub reflected: Vec<Vec<f64>>,
    /// Standard errors of both, for sampled methods.
    pub errors: Option<BranchingErrors>,
}

/// Standard errors of sampled branching probabilities, laid out as the values.
#[derive(Clone, Debug, Default)]
pub struct BranchingErrors {
    /// Of `transmitted`.
    pub transmitted: Vec<Vec<f64>>,
    /// Of `reflected`.
    pub reflected: Vec<Vec<f64>>,
}

/// Every method's branching probabilities for one model.
#[derive(Clone, Debug, Default)]
pub struct Branching {
    /// Model, for the title.
    pub title: String,
    /// One entry per method; sampled ones are drawn as points, others as lines.
    pub sets: Vec<BranchingSet>,
}

/// Writes the branching figure to `path`.
pub fn draw_branching(branching: &Branching, path: &Path, format: Format) -> Result<()> {
    render(path, format, branching)
}

impl Figure for Branching {
    fn kind(&self) -> &'static str {
        "branching"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let root = root.titled(&self.title, (FONT, 26))?;
        let states = self
            .sets
            .iter()
            .flat_map(|s| s.transmitted.first().map(Vec::len))
            .max()
            .unwrap_or(0);
        let (k_lo, k_hi) = super::padded(self.sets.iter().flat_map(|s| s.k.iter().copied()));
        let panels = root.split_evenly((states.max(1), 2));
        for state in 0..states {
            for (column, reflected) in [false, true].into_iter().enumerate() {
                let area = &panels[2 * state + column];
                let name = format!(
                    "{} on state {}",
                    if reflected {
                        "reflected"
                    } else {
                        "transmitted"
                    },
                    state + 1
                );
                let mut chart = ChartBuilder::on(area)
                    .margin(14)
                    .x_label_area_size(44)
                    .y_label_area_size(64)
                    .build_cartesian_2d(k_lo..k_hi, -0.02..1.02)?;
                chart
                    .configure_mesh()
                    .x_desc("initial momentum k (a.u.)")
                    .y_desc(format!("P({name})"))
                    .label_style((FONT, 15))
                    .draw()?;
                for set in &self.sets {
                    let table = if reflected {
                        &set.reflected
                    } else {
                        &set.transmitted
                    };
                    let value = |i: usize| table[i].get(state).copied().unwrap_or(0.0);
                    match &set.errors {
                        Some(e) => {
                            let errors = if reflected {
                                &e.reflected
                            } else {
                                &e.transmitted
                            };
                            let error = |i: usize| errors[i].get(state).copied().unwrap_or(0.0);
                            chart
                                .draw_series((0..set.k.len()).map(|i| {
                                    ErrorBar::new_vertical(
                                        set.k[i],
                                        value(i) - error(i),
                                        value(i),
                                        value(i) + error(i),
                                        DATA.filled(),
                                        8,
                                    )
                                }))?
                                .label(set.label.clone())
                                .legend(|(x, y)| Circle::new((x + 12, y), 4, DATA.filled()));
                            chart
                                .draw_series((0..set.k.len()).map(|i| {
                                    Circle::new((set.k[i], value(i)), 4, DATA.filled())
                                }))?;
                        }
                        None => {
                            chart
                                .draw_series(LineSeries::new(
                                    (0..set.k.len()).map(|i| (set.k[i], value(i))),
                                    REFERENCE.stroke_width(2),
                                ))?
                                .label(set.label.clone())
                                .legend(|(x, y)| {
                                    PathElement::new(
                                        vec![(x, y), (x + 24, y)],
                                        REFERENCE.stroke_width(3),
                                    )
                                });
                        }
                    }
                }
                if state == 0 && column == 0 {
                    draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
                }
            }
        }
        Ok(())
    }
}
