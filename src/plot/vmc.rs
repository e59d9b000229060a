//! The VMC figure: four panels against the iteration number. Energy with its ±1σ
//! band and the exact reference; relative error `|E − E₀|/|E₀|` on a log axis (when a
//! reference is known); the local-energy variance on a log axis; the acceptance.

use super::{
    decades, draw_legend, padded, render, DrawResult, Figure, Format, DATA, FONT, REFERENCE,
};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// The optimization log of a ground-state run.
#[derive(Clone, Debug, Default)]
pub struct VmcTrace {
    /// System and ansatz, for the title.
    pub title: String,
    /// Iteration numbers.
    pub iteration: Vec<f64>,
    /// Batch energy estimates (model units).
    pub energy: Vec<f64>,
    /// Their standard errors.
    pub error: Vec<f64>,
    /// Local-energy variances.
    pub variance: Vec<f64>,
    /// Acceptance rates (NaN for the exact and direct samplers' unit rate is fine).
    pub acceptance: Vec<f64>,
    /// Exact ground-state energy, if known.
    pub reference: Option<f64>,
}

/// Writes the VMC figure of `trace` to `path`.
pub fn draw_vmc(trace: &VmcTrace, path: &Path, format: Format) -> Result<()> {
    render(path, format, trace)
}

impl Figure for VmcTrace {
    fn kind(&self) -> &'static str {
        "VMC"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let root = root.titled(&self.title, (FONT, 26))?;
        let panels = root.split_evenly((2, 2));
        let x_range = padded(self.iteration.iter().copied());
        self.energy_panel(&panels[0], x_range)?;
        if let Some(e0) = self.reference {
            let relative: Vec<f64> = self
                .energy
                .iter()
                .map(|e| (e - e0).abs() / e0.abs())
                .collect();
            log_panel(
                &panels[1],
                x_range,
                &self.iteration,
                &relative,
                "relative error |E − E₀|/|E₀|",
            )?;
        } else {
            panels[1].draw(&Text::new(
                "no exact reference known",
                (60, 60),
                (FONT, 18).into_font(),
            ))?;
        }
        log_panel(
            &panels[2],
            x_range,
            &self.iteration,
            &self.variance,
            "variance of E_loc",
        )?;
        let mut chart = ChartBuilder::on(&panels[3])
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x_range.0..x_range.1, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("iteration")
            .y_desc("acceptance")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 16))
            .draw()?;
        chart.draw_series(LineSeries::new(
            self.iteration
                .iter()
                .zip(&self.acceptance)
                .map(|(&x, &y)| (x, y)),
            DATA.stroke_width(1),
        ))?;
        Ok(())
    }
}

impl VmcTrace {
    fn energy_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_range: (f64, f64),
    ) -> DrawResult<(), DB> {
        // The first iterations of a run can lie far above the rest; the axis follows
        // the last three quarters so the converged part stays readable.
        let skip = self.energy.len() / 4;
        let y_range = padded(
            self.energy
                .iter()
                .zip(&self.error)
                .skip(skip)
                .flat_map(|(&e, &s)| [e - s, e + s])
                .chain(self.reference),
        );
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(90)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .x_desc("iteration")
            .y_desc("energy E (model units)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 16))
            .draw()?;
        let clamp = |y: f64| y.clamp(y_range.0, y_range.1);
        let upper = self
            .iteration
            .iter()
            .zip(self.energy.iter().zip(&self.error))
            .map(|(&x, (&e, &s))| (x, clamp(e + s)));
        let lower = self
            .iteration
            .iter()
            .zip(self.energy.iter().zip(&self.error))
            .rev()
            .map(|(&x, (&e, &s))| (x, clamp(e - s)));
        chart.draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            DATA.mix(0.25).filled(),
        )))?;
        chart
            .draw_series(LineSeries::new(
                self.iteration
                    .iter()
                    .zip(&self.energy)
                    .map(|(&x, &e)| (x, clamp(e))),
                // One pixel: plotters joins wider polylines with mitres, which shoot
                // far out of the plot at the sharp turns of a noisy trace.
                DATA.stroke_width(1),
            ))?
            .label("VMC ± 1σ")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], DATA.stroke_width(3)));
        let window = (self.energy.len() / 40).max(1);
        if window > 1 {
            chart
                .draw_series(LineSeries::new(
                    running_mean(&self.energy, window)
                        .into_iter()
                        .zip(&self.iteration)
                        .map(|(e, &x)| (x, clamp(e))),
                    BLACK.stroke_width(2),
                ))?
                .label(format!("running mean over {window} iterations"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(3))
                });
        }
        if let Some(e0) = self.reference {
            chart
                .draw_series(LineSeries::new(
                    [(x_range.0, e0), (x_range.1, e0)],
                    REFERENCE.stroke_width(2),
                ))?
                .label(format!("exact E₀ = {e0:.8}"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], REFERENCE.stroke_width(3))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
        Ok(())
    }
}

/// Mean of the `window` values ending at each index (fewer at the start).
fn running_mean(values: &[f64], window: usize) -> Vec<f64> {
    let mut sum = 0.0;
    (0..values.len())
        .map(|i| {
            sum += values[i];
            if i >= window {
                sum -= values[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

/// A positive quantity against the iteration on a logarithmic axis.
fn log_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_range: (f64, f64),
    x: &[f64],
    y: &[f64],
    label: &str,
) -> DrawResult<(), DB> {
    let y_range = decades(y.iter().copied());
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.0..x_range.1, (y_range.0..y_range.1).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc(label)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, 16))
        .draw()?;
    chart.draw_series(LineSeries::new(
        x.iter()
            .zip(y)
            .filter(|(_, &v)| v > 0.0 && v.is_finite())
            .map(|(&x, &v)| (x, v)),
        DATA.stroke_width(1),
    ))?;
    Ok(())
}
