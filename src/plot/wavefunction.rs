//! The Schrödinger figure. In 1-D: the probability density |ψ(x, t)|² at every
//! snapshot time, and the relative L2 error against the reference solution over time.
//! In 2-D (and for the middle z-slice in 3-D): one density map per snapshot, with the
//! error in its caption.

use super::{decades, draw_legend, padded, render, DrawResult, Figure, Format, FONT, PALETTE};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Density snapshots of a run.
#[derive(Clone, Debug, Default)]
pub struct Snapshots {
    /// Method, potential and initial state, for the title.
    pub title: String,
    /// Snapshot times (units of the deck: ħ = m = 1 unless set).
    pub times: Vec<f64>,
    /// Grid along x.
    pub x: Vec<f64>,
    /// Grid along y, for 2-D maps.
    pub y: Option<Vec<f64>>,
    /// `density[t]`: |ψ|² on the grid, x outer (`x.len() × y.len()` in 2-D).
    pub density: Vec<Vec<f64>>,
    /// Relative L2 error per time against `reference` (NaN where none applies).
    pub errors: Vec<f64>,
    /// What the error is measured against ("closed form", "split-operator"), if any.
    pub reference: Option<String>,
}

/// Writes the Schrödinger figure to `path`.
pub fn draw_snapshots(snapshots: &Snapshots, path: &Path, format: Format) -> Result<()> {
    render(path, format, snapshots)
}

/// At most this many cells per side of a density map.
const MAP_CELLS: usize = 160;

impl Figure for Snapshots {
    fn kind(&self) -> &'static str {
        "Schrödinger"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let root = root.titled(&self.title, (FONT, 26))?;
        match &self.y {
            None => self.draw_lines(&root),
            Some(y) => self.draw_maps(&root, y),
        }
    }
}

impl Snapshots {
    fn draw_lines<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 62 / 100);
        let x_range = padded(self.x.iter().copied());
        let top_value = self.density.iter().flatten().copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&top)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.0..x_range.1, 0.0..top_value.max(1e-300) * 1.05)?;
        chart
            .configure_mesh()
            .x_desc("position x")
            .y_desc("probability density |ψ(x, t)|²")
            .label_style((FONT, 16))
            .draw()?;
        for (i, (t, density)) in self.times.iter().zip(&self.density).enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    self.x.iter().copied().zip(density.iter().copied()),
                    colour.stroke_width(2),
                ))?
                .label(format!("t = {}", short(*t)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
        let known: Vec<(f64, f64)> = self
            .times
            .iter()
            .zip(&self.errors)
            .filter(|(_, e)| e.is_finite() && **e > 0.0)
            .map(|(&t, &e)| (t, e))
            .collect();
        let Some(reference) = self.reference.as_ref().filter(|_| !known.is_empty()) else {
            bottom.draw(&Text::new(
                "no reference solution for this run",
                (80, 40),
                (FONT, 18).into_font(),
            ))?;
            return Ok(());
        };
        let t_range = padded(self.times.iter().copied());
        let e_range = decades(known.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(&bottom)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(t_range.0..t_range.1, (e_range.0..e_range.1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("time t")
            .y_desc(format!("relative L2 error vs {reference}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, 16))
            .draw()?;
        chart.draw_series(LineSeries::new(
            known.iter().copied(),
            BLACK.stroke_width(1),
        ))?;
        chart.draw_series(
            known
                .iter()
                .map(|&(t, e)| Circle::new((t, e), 5, PALETTE[0].filled())),
        )?;
        Ok(())
    }

    fn draw_maps<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        y: &[f64],
    ) -> DrawResult<(), DB> {
        let count = self.times.len().clamp(1, 4);
        let columns = if count == 1 { 1 } else { 2 };
        let panels = root.split_evenly((count.div_ceil(columns), columns));
        let (nx, ny) = (self.x.len(), y.len());
        let stride_x = nx.div_ceil(MAP_CELLS).max(1);
        let stride_y = ny.div_ceil(MAP_CELLS).max(1);
        // With more snapshots than panels, the first and the last ones are shown.
        let shown: Vec<usize> = if self.times.len() <= 4 {
            (0..self.times.len()).collect()
        } else {
            let last = self.times.len() - 1;
            vec![0, last / 3, 2 * last / 3, last]
        };
        for (panel, &t) in panels.iter().zip(&shown) {
            let density = &self.density[t];
            let peak = density.iter().copied().fold(0.0, f64::max).max(1e-300);
            let caption = match self.errors.get(t).filter(|e| e.is_finite()) {
                Some(e) => format!("t = {}, relative L2 error {e:.1e}", short(self.times[t])),
                None => format!("t = {}", short(self.times[t])),
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, (FONT, 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(self.x[0]..self.x[nx - 1], y[0]..y[ny - 1])?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("x")
                .y_desc("y")
                .label_style((FONT, 14))
                .draw()?;
            let cells = (0..nx)
                .step_by(stride_x)
                .flat_map(|i| (0..ny).step_by(stride_y).map(move |j| (i, j)));
            chart.draw_series(cells.map(|(i, j)| {
                let (i1, j1) = ((i + stride_x).min(nx - 1), (j + stride_y).min(ny - 1));
                Rectangle::new(
                    [(self.x[i], y[j]), (self.x[i1], y[j1])],
                    heat(density[i * ny + j] / peak).filled(),
                )
            }))?;
        }
        Ok(())
    }
}

/// A sequential colour scale from white (0) through blue to dark red (1).
fn heat(v: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 4] = [
        (0.0, [255.0, 255.0, 255.0]),
        (0.3, [107.0, 174.0, 214.0]),
        (0.7, [8.0, 48.0, 107.0]),
        (1.0, [165.0, 15.0, 21.0]),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let upper = STOPS.iter().position(|s| s.0 >= v).unwrap_or(3).max(1);
    let (a, b) = (STOPS[upper - 1], STOPS[upper]);
    let f = (v - a.0) / (b.0 - a.0);
    let mix = |k: usize| (a.1[k] + f * (b.1[k] - a.1[k])).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

/// A time with at most four decimals and no trailing zeros ("1.5708", "10").
fn short(t: f64) -> String {
    let text = format!("{t:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
