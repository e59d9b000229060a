//! The exact-diagonalization figure: the lowest levels as horizontal bars, with the
//! gaps `E_n − E₀` written beside them.

use super::{draw_legend, padded, render, DrawResult, Figure, Format, DATA, FONT, REFERENCE};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// The low-lying spectrum of one sector.
#[derive(Clone, Debug, Default)]
pub struct Spectrum {
    /// System and sector, for the title.
    pub title: String,
    /// Energies, ascending (model units).
    pub energies: Vec<f64>,
    /// Closed-form ground-state energy, if one exists.
    pub reference: Option<f64>,
}

/// Writes the spectrum figure to `path`.
pub fn draw_spectrum(spectrum: &Spectrum, path: &Path, format: Format) -> Result<()> {
    render(path, format, spectrum)
}

impl Figure for Spectrum {
    fn kind(&self) -> &'static str {
        "spectrum"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let root = root.titled(&self.title, (FONT, 26))?;
        let y_range = padded(self.energies.iter().copied().chain(self.reference));
        let mut chart = ChartBuilder::on(&root)
            .margin(24)
            .x_label_area_size(30)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..1.0, y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_desc("energy E (model units)")
            .label_style((FONT, 18))
            .draw()?;
        let e0 = self.energies.first().copied().unwrap_or(0.0);
        chart
            .draw_series(
                self.energies
                    .iter()
                    .map(|&e| PathElement::new(vec![(0.1, e), (0.6, e)], DATA.stroke_width(3))),
            )?
            .label(format!("{} lowest levels", self.energies.len()))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], DATA.stroke_width(3)));
        chart.draw_series(self.energies.iter().enumerate().map(|(n, &e)| {
            Text::new(
                if n == 0 {
                    format!("E₀ = {e:.8}")
                } else {
                    format!("E{} − E₀ = {:.6}", subscript(n), e - e0)
                },
                (0.63, e),
                (FONT, 16).into_font(),
            )
        }))?;
        if let Some(r) = self.reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.05, r), (0.65, r)],
                    REFERENCE.stroke_width(1),
                )))?
                .label(format!("closed form E₀ = {r:.8}"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], REFERENCE.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
        Ok(())
    }
}

/// `n` in Unicode subscript digits.
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32('₀' as u32 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}
