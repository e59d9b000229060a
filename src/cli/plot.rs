//! `hamlet plot`: figures from a run file.

use clap::{Args, ValueEnum};
use hamlet::io::figures::{directory_of, plot_run};
use hamlet::plot::Format;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// HDF5 file written by a hamlet command (--output).
    file: PathBuf,

    /// Directory for the figures (default: the file's own directory).
    #[arg(long)]
    out: Option<PathBuf>,

    /// A second run whose curves join the figures of the same kind, e.g. the exact
    /// wave-packet run (`hop --method exact`) over an FSSH run of the same model.
    #[arg(long, value_name = "RUN.h5")]
    reference: Option<PathBuf>,

    /// Image format.
    #[arg(long, value_enum, default_value_t = ImageFormat::Png)]
    format: ImageFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ImageFormat {
    Png,
    Svg,
}

pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    let dir = args
        .out
        .unwrap_or_else(|| directory_of(&args.file).to_path_buf());
    if !dir.is_dir() {
        anyhow::bail!(
            "--out: {} is not a directory; create it first or choose another",
            dir.display()
        );
    }
    let format = match args.format {
        ImageFormat::Png => Format::Png,
        ImageFormat::Svg => Format::Svg,
    };
    for written in plot_run(&args.file, &dir, format, args.reference.as_deref())? {
        println!("{}", written.display());
    }
    Ok(())
}
