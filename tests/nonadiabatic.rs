//! The adiabatic adapter against closed forms. For a two-state model with
//! `Δ = (V₁₁ − V₂₂)/2`, `Σ = (V₁₁ + V₂₂)/2` and `ρ = √(Δ² + V₁₂²)`:
//! `E± = Σ ± ρ`, `E±′ = Σ′ ± (ΔΔ′ + V₁₂V₁₂′)/ρ`, and with the mixing angle
//! `θ = ½ atan2(V₁₂, Δ)` the coupling is `|d₁₂| = |θ′| = ½|ΔV₁₂′ − V₁₂Δ′|/ρ²`.

use hamlet::nonadiabatic::{
    adiabatic, DiabaticModel, LinearVibronic, Tully1, Tully2, Tully3, DEGENERACY_GAP,
};

/// Closed-form `(E₋, E₊, E₋′, E₊′, |θ′|)` from `V` and `V′` along one coordinate.
fn two_state(v: [f64; 3], dv: [f64; 3]) -> [f64; 5] {
    let ([v11, v22, v12], [d11, d22, d12]) = (v, dv);
    let (delta, sigma) = ((v11 - v22) / 2.0, (v11 + v22) / 2.0);
    let (ddelta, dsigma) = ((d11 - d22) / 2.0, (d11 + d22) / 2.0);
    let rho = (delta * delta + v12 * v12).sqrt();
    let drho = (delta * ddelta + v12 * d12) / rho;
    let theta = 0.5 * (delta * d12 - v12 * ddelta) / (rho * rho);
    [
        sigma - rho,
        sigma + rho,
        dsigma - drho,
        dsigma + drho,
        theta.abs(),
    ]
}

fn entries(m: &nalgebra::DMatrix<f64>) -> [f64; 3] {
    [m[(0, 0)], m[(1, 1)], m[(0, 1)]]
}

#[test]
fn tully_models_match_the_two_state_closed_forms() {
    let models: [(&str, &dyn DiabaticModel); 3] = [
        ("tully1", &Tully1::default()),
        ("tully2", &Tully2::default()),
        ("tully3", &Tully3::default()),
    ];
    for (name, model) in models {
        for j in 0..=200 {
            let x = -10.0 + 0.1 * j as f64 + 1e-3;
            let a = adiabatic(model, &[x], None);
            let v = entries(&model.potential(&[x]));
            let dv = entries(&model.gradient(&[x])[0]);
            let [e0, e1, g0, g1, coupling] = two_state(v, dv);
            let scale = 1.0f64.max(coupling);
            assert!((a.energies[0] - e0).abs() < 1e-10, "{name} x = {x}: E0");
            assert!((a.energies[1] - e1).abs() < 1e-10, "{name} x = {x}: E1");
            assert!(
                (a.gradients[(0, 0)] - g0).abs() < 1e-10,
                "{name} x = {x}: ∇E0"
            );
            assert!(
                (a.gradients[(1, 0)] - g1).abs() < 1e-10,
                "{name} x = {x}: ∇E1"
            );
            let d = &a.couplings[0];
            assert!(
                (d[(0, 1)].abs() - coupling).abs() < 1e-10 * scale,
                "{name} x = {x}: |d12| {} vs {coupling}",
                d[(0, 1)]
            );
            assert_eq!(d[(0, 1)], -d[(1, 0)], "{name}: antisymmetric");
            assert_eq!((d[(0, 0)], d[(1, 1)]), (0.0, 0.0));
            assert!(!a.near_degenerate);
        }
    }
}

#[test]
fn diabatic_gradients_and_adiabatic_forces_match_finite_differences() {
    let models: [(&str, &dyn DiabaticModel); 4] = [
        ("tully1", &Tully1::default()),
        ("tully2", &Tully2::default()),
        ("tully3", &Tully3::default()),
        ("lvc", &LinearVibronic::default()),
    ];
    let h = 1e-6;
    for (name, model) in models {
        let dims = model.n_dims();
        for point in [[-1.3, 0.4], [0.7, -0.9], [2.5, 1.1]] {
            let r = &point[..dims];
            let a = adiabatic(model, r, None);
            for k in 0..dims {
                let (mut plus, mut minus) = (r.to_vec(), r.to_vec());
                plus[k] += h;
                minus[k] -= h;
                let fd_v = (model.potential(&plus) - model.potential(&minus)) / (2.0 * h);
                assert!(
                    (fd_v - &model.gradient(r)[k]).amax() < 1e-8,
                    "{name}: ∂V/∂R{k}"
                );
                let (ap, am) = (
                    adiabatic(model, &plus, None),
                    adiabatic(model, &minus, None),
                );
                for i in 0..2 {
                    let fd = (ap.energies[i] - am.energies[i]) / (2.0 * h);
                    assert!(
                        (fd - a.gradients[(i, k)]).abs() < 1e-7,
                        "{name}: ∂E{i}/∂R{k}"
                    );
                }
                // d₀₁ = ⟨U₀|∂U₁⟩ with the signs of U aligned to the centre point.
                let ap = adiabatic(model, &plus, Some(&a.vectors));
                let am = adiabatic(model, &minus, Some(&a.vectors));
                let du1 = (ap.vectors.column(1) - am.vectors.column(1)) / (2.0 * h);
                let fd = a.vectors.column(0).dot(&du1);
                assert!(
                    (fd - a.couplings[k][(0, 1)]).abs()
                        < 1e-6 * a.couplings[k][(0, 1)].abs().max(1.0),
                    "{name}: d01 along R{k}: {fd} vs {}",
                    a.couplings[k][(0, 1)]
                );
            }
        }
    }
}

#[test]
fn tully1_coupling_peaks_at_the_crossing_with_height_ab_over_2c() {
    let model = Tully1::default();
    let (mut best_x, mut best) = (f64::NAN, 0.0);
    for j in 0..=20000 {
        let x = -1.0 + 1e-4 * j as f64;
        let d = adiabatic(&model, &[x], None).couplings[0][(0, 1)].abs();
        if d > best {
            (best_x, best) = (x, d);
        }
    }
    let height = model.a * model.b / (2.0 * model.c);
    assert!(best_x.abs() < 1e-12, "peak at x = {best_x}");
    assert!(
        (best - height).abs() < 1e-10,
        "peak {best} vs AB/2C = {height}"
    );
    assert!((height - 1.6).abs() < 1e-12);
}

#[test]
fn eigenvector_signs_stay_continuous_along_a_scan() {
    // Aligned to the previous geometry, every vector overlaps its predecessor
    // positively and the coupling is a continuous function of x (a sign flip would
    // jump by 2|d|). Models 1 and 3 keep one sign; in model 2 the mixing angle turns
    // back between the two crossings, so its coupling changes sign once, smoothly.
    let models: [(&str, &dyn DiabaticModel, usize); 3] = [
        ("tully1", &Tully1::default(), 0),
        ("tully2", &Tully2::default(), 1),
        ("tully3", &Tully3::default(), 0),
    ];
    for (name, model, sign_changes) in models {
        let mut previous: Option<nalgebra::DMatrix<f64>> = None;
        let mut couplings = Vec::new();
        for j in 0..=4000 {
            let x = -10.0 + 0.005 * j as f64;
            let a = adiabatic(model, &[x], previous.as_ref());
            if let Some(p) = &previous {
                for i in 0..2 {
                    assert!(a.vectors.column(i).dot(&p.column(i)) > 0.0, "{name}");
                }
            }
            couplings.push(a.couplings[0][(0, 1)]);
            previous = Some(a.vectors);
        }
        let peak = couplings.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        let jump = couplings
            .windows(2)
            .fold(0.0f64, |m, w| m.max((w[1] - w[0]).abs()));
        assert!(
            jump < 0.05 * peak,
            "{name}: jump {jump} against peak {peak}"
        );
        let significant: Vec<f64> = couplings
            .iter()
            .copied()
            .filter(|d| d.abs() > 1e-6 * peak)
            .collect();
        let changes = significant
            .windows(2)
            .filter(|w| w[0].signum() != w[1].signum())
            .count();
        assert_eq!(changes, sign_changes, "{name}: sign changes");
    }
}

#[test]
fn conical_intersection_coupling_diverges_as_one_over_2r() {
    let model = LinearVibronic::default();
    for (r, phi) in [(1e-1, 0.3), (1e-3, 1.9), (1e-6, -2.4), (2.0, 0.8)] {
        let point = [r * f64::cos(phi), r * f64::sin(phi)];
        let a = adiabatic(&model, &point, None);
        // Gap 2λr for the circular cone.
        assert!((a.energies[1] - a.energies[0] - 2.0 * r).abs() < 1e-12);
        let norm = (a.couplings[0][(0, 1)].powi(2) + a.couplings[1][(0, 1)].powi(2)).sqrt();
        assert!(
            (norm * r - 0.5).abs() < 1e-8,
            "r = {r}: |d| r = {}",
            norm * r
        );
    }
    let at = adiabatic(&model, &[0.0, 0.0], None);
    assert!(at.near_degenerate);
    assert!(at.couplings.iter().all(|d| d.iter().all(|v| v.is_finite())));
    assert_eq!(at.energies[0], at.energies[1]);
    // Finite: the gap is floored, so |d| ≤ |∂V|/DEGENERACY_GAP (|∂V| ≤ 1 here).
    assert!(at
        .couplings
        .iter()
        .all(|d| d.amax() <= 1.0 / DEGENERACY_GAP));
}
