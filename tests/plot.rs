//! `hamlet plot`: every figure kind renders a valid image of the stated size with
//! something drawn in each plot area, and bad input gets a clear message.

use hamlet::io::h5::{self, Attr, Data, Group};
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hamlet-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn hamlet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hamlet"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `hamlet plot` and returns the files it reports.
fn plot(file: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let mut args = vec!["plot", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = hamlet(&args);
    assert!(
        out.status.success(),
        "plot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// Decodes a PNG: width, height and RGB(A) pixels.
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

/// Fraction of pixels in the rectangle `[x0, x1) × [y0, y1)` drawn in the data
/// colour (blue; the grid and the text are grey or black, the background white).
fn ink(image: &(u32, u32, Vec<[u8; 3]>), x: (u32, u32), y: (u32, u32)) -> f64 {
    coloured(image, x, y, |r, b| b - r > 60)
}

/// The same for the reference colour (red).
fn red_ink(image: &(u32, u32, Vec<[u8; 3]>), x: (u32, u32), y: (u32, u32)) -> f64 {
    coloured(image, x, y, |r, b| r - b > 60)
}

fn coloured(
    image: &(u32, u32, Vec<[u8; 3]>),
    x: (u32, u32),
    y: (u32, u32),
    test: impl Fn(i32, i32) -> bool,
) -> f64 {
    let (w, _, pixels) = image;
    let mut inked = 0;
    for row in y.0..y.1 {
        for col in x.0..x.1 {
            let [r, _, b] = pixels[(row * w + col) as usize];
            if test(r as i32, b as i32) {
                inked += 1;
            }
        }
    }
    inked as f64 / ((x.1 - x.0) * (y.1 - y.0)) as f64
}

#[test]
fn ground_state_and_exact_runs_give_their_figures() {
    let run = scratch("gs.h5");
    let out = hamlet(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "8",
        "--iterations",
        "60",
        "--samples",
        "256",
        "--quiet",
        "--output",
        run.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let files = plot(&run, &[]);
    let vmc = run.with_file_name("gs_vmc.png");
    assert!(files.contains(&vmc), "{files:?}");
    let image = decode(&vmc);
    assert_eq!((image.0, image.1), (1200, 900));
    // Each of the four panels (2 × 2) has a drawn curve in its inner part.
    for (x, y) in [
        ((150, 550), (80, 380)),
        ((750, 1150), (80, 380)),
        ((150, 550), (530, 830)),
        ((750, 1150), (530, 830)),
    ] {
        let fraction = ink(&image, x, y);
        println!("panel {x:?} {y:?}: {fraction}");
        assert!(fraction > 0.002, "panel {x:?} {y:?}: {fraction} inked");
    }
    // An exact diagonalization: the spectrum figure.
    let ed = scratch("ed.h5");
    let out = hamlet(&[
        "exact",
        "--model",
        "heisenberg",
        "--size",
        "10",
        "--n-states",
        "3",
        "--quiet",
        "--output",
        ed.to_str().unwrap(),
        "--plot",
    ]);
    assert!(out.status.success());
    // --plot drew it at the end of the run.
    let spectrum = ed.with_file_name("ed_spectrum.png");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ed_spectrum.png"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = decode(&spectrum);
    assert_eq!((image.0, image.1), (1200, 900));
    assert!(ink(&image, (250, 750), (80, 820)) > 0.002);
    // A blank canvas has no data colour at all.
    let blank = (1200, 900, vec![[255u8, 255, 255]; 1200 * 900]);
    assert_eq!(ink(&blank, (0, 1200), (0, 900)), 0.0);
    // SVG keeps text as text.
    let dir = scratch("svg");
    std::fs::create_dir_all(&dir).unwrap();
    let files = plot(&ed, &["--out", dir.to_str().unwrap(), "--format", "svg"]);
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("E₀ = "),
        "{}",
        &svg[..200]
    );
}

#[test]
fn surface_hopping_runs_draw_fssh_against_the_exact_reference() {
    let run = |name: &str, extra: &[&str]| {
        let path = scratch(name);
        let mut args = vec![
            "hop", "--model", "tully1", "--k", "10,20", "--quiet", "--output",
        ];
        args.push(path.to_str().unwrap());
        args.extend_from_slice(extra);
        let out = hamlet(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        path
    };
    let fssh = run("fssh.h5", &["--trajectories", "100", "--plot"]);
    assert!(fssh.with_file_name("fssh_branching.png").exists(), "--plot");
    let exact = run("wavepacket.h5", &["--method", "exact"]);
    let files = plot(&fssh, &["--reference", exact.to_str().unwrap()]);
    assert_eq!(files, vec![fssh.with_file_name("fssh_branching.png")]);
    let image = decode(&files[0]);
    assert_eq!((image.0, image.1), (1200, 900));
    // Transmission on either state (the left column): FSSH points and the exact line.
    for y in [(80, 400), (520, 840)] {
        assert!(
            ink(&image, (100, 580), y) > 0.0005,
            "no FSSH points in {y:?}"
        );
        assert!(
            red_ink(&image, (100, 580), y) > 0.0005,
            "no exact line in {y:?}"
        );
    }
}

#[test]
fn schrodinger_runs_draw_densities_in_1d_and_maps_in_2d() {
    // Any saturated colour: the snapshot lines and the map cells (the grid, the
    // text and the background are grey, black and white).
    let colourful =
        |image: &(u32, u32, Vec<[u8; 3]>), x, y| coloured(image, x, y, |r, b| (r - b).abs() > 60);
    for (deck, stem) in [("free_packet_1d", "s1"), ("free_packet_2d", "s2")] {
        let path = scratch(&format!("{stem}.h5"));
        let out = hamlet(&[
            "schrodinger",
            &format!("models/{deck}.toml"),
            "--quiet",
            "--output",
            path.to_str().unwrap(),
            "--plot",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let figure = path.with_file_name(format!("{stem}_density.png"));
        let image = decode(&figure);
        assert_eq!((image.0, image.1), (1200, 900));
        if stem == "s1" {
            // The densities (top) and the error against the closed form (bottom).
            assert!(colourful(&image, (100, 1180), (50, 500)) > 0.0005);
            assert!(ink(&image, (100, 1180), (580, 840)) > 0.0002);
        } else {
            // The first map (upper left) holds the packet.
            assert!(colourful(&image, (80, 580), (60, 400)) > 0.0005);
        }
    }
}

#[test]
fn a_diabatic_fit_draws_its_surfaces_against_the_analytic_model() {
    let net = scratch("net.h5");
    let out = hamlet(&[
        "diabatic",
        "fit",
        "--from-model",
        "tully1",
        "--points",
        "60",
        "--set",
        "training.adam_epochs=150",
        "--set",
        "training.refine_iterations=15",
        "--set",
        "network.widths=[12,12]",
        "--quiet",
        "--output",
        net.to_str().unwrap(),
        "--plot",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = decode(&net.with_file_name("net_diabatic.png"));
    assert_eq!((image.0, image.1), (1200, 900));
    // Three panels (energies, couplings, diabatic elements), each with learned curves;
    // the first two also with the analytic model's points (red).
    for (y, analytic) in [((60, 270), true), ((350, 570), true), ((650, 860), false)] {
        assert!(ink(&image, (100, 1150), y) > 0.001, "no curve in {y:?}");
        let red = red_ink(&image, (100, 1000), y);
        assert_eq!(red > 0.0005, analytic, "analytic points in {y:?}: {red}");
    }
}

#[test]
fn files_hamlet_did_not_write_or_empty_runs_are_refused() {
    let fails = |file: &Path, needle: &str| {
        let out = hamlet(&["plot", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
    };
    let text = scratch("notes.h5");
    std::fs::write(&text, "not hdf5").unwrap();
    fails(&text, "HDF5");
    let foreign = scratch("foreign.h5");
    let mut root = Group::default();
    root.set_vector("x", Data::Float(vec![1.0, 2.0]));
    h5::write_atomic(&foreign, &root, false).unwrap();
    fails(&foreign, "not a file hamlet wrote");
    let empty = scratch("empty.h5");
    let mut root = Group::default();
    root.set_attr("hamlet_version", Attr::Text("0.1.0".into()));
    root.group_mut("vmc/log")
        .set_vector("iteration", Data::Int(Vec::new()));
    h5::write_atomic(&empty, &root, false).unwrap();
    fails(&empty, "the VMC log is empty");
    let nothing = scratch("nothing.h5");
    let mut root = Group::default();
    root.set_attr("hamlet_version", Attr::Text("0.1.0".into()));
    h5::write_atomic(&nothing, &root, false).unwrap();
    fails(&nothing, "nothing to plot");
    let out = hamlet(&[
        "ground-state",
        "--model",
        "tfim",
        "--size",
        "6",
        "--plot",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--plot"));
    let out = hamlet(&["plot", empty.to_str().unwrap(), "--out", "/nonexistent/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
}
