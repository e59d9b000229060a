//! The diabatic figure, along one nuclear coordinate x: the adiabatic energies (the
//! eigenvalues of H_d), the nonadiabatic couplings d_ij, and the diabatic matrix
//! elements of the learned network; each against the analytic model when the network
//! was fitted to one (its couplings with the sign of each pair chosen to match: an
//! eigenvector's sign at the first geometry is free).

use super::{draw_legend, padded, render, DrawResult, Figure, Format, FONT, PALETTE, REFERENCE};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Quantities of one diabatic model along x; rows are geometries.
#[derive(Clone, Debug, Default)]
pub struct DiabaticCurves {
    /// `energies[g][i]`: adiabatic energy `E_i` (hartree), ascending.
    pub energies: Vec<Vec<f64>>,
    /// `couplings[g][p]`: `d_ij` along x (1/bohr) for the pairs `i < j` in row-major order.
    pub couplings: Vec<Vec<f64>>,
    /// `diabatic[g][e]`: `H_ab` (hartree) for `a ≤ b` in row-major order.
    pub diabatic: Vec<Vec<f64>>,
}

/// A learned diabatic network along x, and the analytic model it was fitted to.
#[derive(Clone, Debug, Default)]
pub struct DiabaticScan {
    /// Network and training data, for the title.
    pub title: String,
    /// Number of electronic states.
    pub n_states: usize,
    /// Geometries along the scanned coordinate (bohr).
    pub x: Vec<f64>,
    /// The network.
    pub learned: DiabaticCurves,
    /// The analytic model and its name.
    pub analytic: Option<(String, DiabaticCurves)>,
}

/// Writes the diabatic figure to `path`.
pub fn draw_diabatic(scan: &DiabaticScan, path: &Path, format: Format) -> Result<()> {
    render(path, format, scan)
}

/// `(a, b)` labels of the upper triangle in row-major order, counting from 1.
fn pairs(n: usize, strict: bool) -> Vec<(usize, usize)> {
    (0..n)
        .flat_map(|a| ((if strict { a + 1 } else { a })..n).map(move |b| (a + 1, b + 1)))
        .collect()
}

impl Figure for DiabaticScan {
    fn kind(&self) -> &'static str {
        "diabatic"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let root = root.titled(&self.title, (FONT, 24))?;
        let panels = root.split_evenly((3, 1));
        let n = self.n_states;
        let energy_labels: Vec<String> = (1..=n).map(|i| format!("E{i}")).collect();
        let coupling_labels: Vec<String> = pairs(n, true)
            .into_iter()
            .map(|(i, j)| format!("d{i}{j}"))
            .collect();
        let diabatic_labels: Vec<String> = pairs(n, false)
            .into_iter()
            .map(|(a, b)| format!("H{a}{b}"))
            .collect();
        let analytic = self.analytic.as_ref();
        self.panel(
            &panels[0],
            "adiabatic energy (hartree)",
            &energy_labels,
            |c| &c.energies,
            analytic,
        )?;
        self.panel(
            &panels[1],
            "coupling d_ij (1/bohr), up to a sign",
            &coupling_labels,
            |c| &c.couplings,
            analytic,
        )?;
        // The diabatic basis of a fit is fixed only up to a rotation: the learned
        // elements are shown on their own.
        self.panel(
            &panels[2],
            "learned diabatic H_ab (hartree)",
            &diabatic_labels,
            |c| &c.diabatic,
            None,
        )?;
        Ok(())
    }
}

impl DiabaticScan {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        label: &str,
        names: &[String],
        pick: impl Fn(&DiabaticCurves) -> &Vec<Vec<f64>>,
        analytic: Option<&(String, DiabaticCurves)>,
    ) -> DrawResult<(), DB> {
        let learned = pick(&self.learned);
        let reference = analytic.map(|(name, c)| (name, pick(c)));
        let y_range = padded(
            learned
                .iter()
                .flatten()
                .chain(reference.iter().flat_map(|r| r.1.iter().flatten()))
                .copied(),
        );
        let x_range = padded(self.x.iter().copied());
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .x_desc("x (bohr)")
            .y_desc(label)
            .label_style((FONT, 14))
            .draw()?;
        for (k, name) in names.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    self.x.iter().copied().zip(learned.iter().map(|row| row[k])),
                    colour.stroke_width(2),
                ))?
                .label(format!("{name} learned"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            if let Some((model, rows)) = &reference {
                let series = chart.draw_series(
                    self.x
                        .iter()
                        .zip(rows.iter())
                        .step_by((self.x.len() / 40).max(1))
                        .map(|(&x, row)| Circle::new((x, row[k]), 3, REFERENCE.filled())),
                )?;
                if k == 0 {
                    series
                        .label(format!("{model} (analytic)"))
                        .legend(|(x, y)| Circle::new((x + 12, y), 3, REFERENCE.filled()));
                }
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 13)?;
        Ok(())
    }
}
