//! Figures of hamlet's results, drawn with plotters' pure-Rust backends (PNG or SVG).
//!
//! Text is set in DejaVu Sans, compiled into the binary (`assets/fonts`, Bitstream Vera
//! licence), so no system font library is needed. Each figure kind takes plain data
//! (slices and labels); reading them from a run file lives in `io::figures`.

mod branching;
mod diabatic;
mod spectrum;
mod vmc;
mod wavefunction;

pub use branching::{draw_branching, Branching, BranchingErrors, BranchingSet};
pub use diabatic::{draw_diabatic, DiabaticCurves, DiabaticScan};
pub use spectrum::{draw_spectrum, Spectrum};
pub use vmc::{draw_vmc, VmcTrace};
pub use wavefunction::{draw_snapshots, Snapshots};

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Image format of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raster image.
    Png,
    /// Vector image (text kept as text).
    Svg,
}

impl Format {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Colour of computed data.
pub(crate) const DATA: RGBColor = RGBColor(31, 119, 180);
/// Colour of reference values (exact, analytic).
pub(crate) const REFERENCE: RGBColor = RGBColor(214, 39, 40);
/// Colours of successive curves of computed data (no red: that is the reference's).
pub(crate) const PALETTE: [RGBColor; 6] = [
    DATA,
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

/// Draws the legend of `chart` at `position` in a white box, text of `size` pixels.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    size: u32,
) -> DrawResult<(), DB> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
}

/// Size of every figure, in pixels.
pub const FIGURE_SIZE: (u32, u32) = (1200, 900);

/// Font family name under which the embedded face is registered.
const FONT: &str = "sans-serif";

static FONT_REGISTERED: Once = Once::new();

fn register_font() {
    FONT_REGISTERED.call_once(|| {
        let face = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // A font compiled into the binary either parses or the build is broken.
        if plotters::style::register_font(FONT, FontStyle::Normal, face).is_err() {
            panic!("the embedded DejaVu Sans face does not parse");
        }
    });
}

/// A figure that can draw itself on any plotters backend.
pub(crate) trait Figure {
    /// Short name for messages ("VMC", "spectrum").
    fn kind(&self) -> &'static str;
    /// Draws on `root`, a white canvas of [`FIGURE_SIZE`].
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB>;
}

/// The result of drawing on backend `DB`.
pub(crate) type DrawResult<T, DB> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `figure` on a fresh white canvas and writes it to `path`. The image goes to a
/// temporary file that is renamed over `path` once complete.
pub(crate) fn render(path: &Path, format: Format, figure: &impl Figure) -> Result<()> {
    register_font();
    // The image encoder picks the format from the extension, so keep it last.
    let partial = path.with_extension(format!("partial.{}", format.extension()));
    let result = match format {
        Format::Png => paint(BitMapBackend::new(&partial, FIGURE_SIZE), figure),
        Format::Svg => paint(SVGBackend::new(&partial, FIGURE_SIZE), figure),
    };
    if let Err(message) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!(
                "drawing the {} figure failed: {message}",
                figure.kind()
            )),
        });
    }
    std::fs::rename(&partial, path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn paint<DB: DrawingBackend>(backend: DB, figure: &impl Figure) -> std::result::Result<(), String> {
    let root = backend.into_drawing_area();
    let drawn = root
        .fill(&WHITE)
        .and_then(|()| figure.draw(&root))
        .and_then(|()| root.present());
    drawn.map_err(|e| e.to_string())
}

/// Smallest and largest of the finite `values` that pass `keep`.
fn extent(values: impl Iterator<Item = f64>, keep: impl Fn(f64) -> bool) -> Option<(f64, f64)> {
    values
        .filter(|&v| v.is_finite() && keep(v))
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// `[lo, hi]` widened by 5 % on each side (and to a unit interval around a constant).
pub(crate) fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(values, |_| true) else {
        return (0.0, 1.0);
    };
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

/// Range of a logarithmic axis holding the positive finite `values`: whole decades.
pub(crate) fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(values, |v| v > 0.0) else {
        return (0.1, 1.0);
    };
    (
        10f64.powf(lo.log10().floor()),
        10f64.powf(hi.log10().ceil().max(lo.log10().floor() + 1.0)),
    )
}
