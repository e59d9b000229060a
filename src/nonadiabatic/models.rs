//! Analytic diabatic models. A model supplies only `V(R)` and `∇V(R)`; everything
//! adiabatic comes from [`super::adiabatic`].
//!
//! Tully's one-dimensional two-state models (J. Chem. Phys. 93, 1061 (1990)), atomic
//! units, with the parameters of that paper:
//! - [`Tully1`], simple avoided crossing: `V₁₁ = A(1 − e^{−Bx})` for `x > 0`,
//!   `−A(1 − e^{Bx})` for `x < 0`, `V₂₂ = −V₁₁`, `V₁₂ = C e^{−Dx²}`; A = 0.01, B = 1.6,
//!   C = 0.005, D = 1.0.
//! - [`Tully2`], dual avoided crossing: `V₁₁ = 0`, `V₂₂ = −A e^{−Bx²} + E₀`,
//!   `V₁₂ = C e^{−Dx²}`; A = 0.10, B = 0.28, C = 0.015, D = 0.06, E₀ = 0.05.
//! - [`Tully3`], extended coupling with reflection: `V₁₁ = A`, `V₂₂ = −A`,
//!   `V₁₂ = B e^{Cx}` for `x < 0`, `B(2 − e^{−Cx})` for `x > 0`; A = 6·10⁻⁴, B = 0.1, C = 0.9.
//!
//! [`LinearVibronic`]: a two-state linear vibronic coupling model in two dimensions with
//! a conical intersection.

use nalgebra::DMatrix;

/// A diabatic potential matrix `V(R)` (real symmetric, `n × n`) on `R ∈ ℝᵈ`.
pub trait DiabaticModel: Sync {
    /// Number of electronic states `n`.
    fn n_states(&self) -> usize;
    /// Number of nuclear coordinates `d`.
    fn n_dims(&self) -> usize;
    /// `V(R)` (hartree).
    fn potential(&self, r: &[f64]) -> DMatrix<f64>;
    /// `∂V/∂R_k` for `k < d` (hartree/bohr).
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>>;
    /// `V(R)` and `∂V/∂R` together (models that compute both in one pass override it).
    fn potential_and_gradient(&self, r: &[f64]) -> (DMatrix<f64>, Vec<DMatrix<f64>>) {
        (self.potential(r), self.gradient(r))
    }
    /// `V(R)` into `potential` (`n × n`, row-major) and `∂V/∂R_k` into `gradient`
    /// (`d × n × n`, `[k][i][j]`), for callers that evaluate millions of geometries
    /// (surface hopping). The analytic models write them without allocating; the
    /// default goes through [`DiabaticModel::potential_and_gradient`].
    fn fill(&self, r: &[f64], potential: &mut [f64], gradient: &mut [f64]) {
        let (v, dv) = self.potential_and_gradient(r);
        let n = v.nrows();
        for i in 0..n {
            for j in 0..n {
                potential[i * n + j] = v[(i, j)];
                for (k, g) in dv.iter().enumerate() {
                    gradient[(k * n + i) * n + j] = g[(i, j)];
                }
            }
        }
    }
}

/// Writes the symmetric 2 × 2 `[[v11, v12], [v12, v22]]` row-major into `out`.
fn put_symmetric(out: &mut [f64], v11: f64, v22: f64, v12: f64) {
    out[..4].copy_from_slice(&[v11, v12, v12, v22]);
}

fn symmetric(v11: f64, v22: f64, v12: f64) -> DMatrix<f64> {
    DMatrix::from_row_slice(2, 2, &[v11, v12, v12, v22])
}

/// Tully's simple avoided crossing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tully1 {
    /// `A` (hartree).
    pub a: f64,
    /// `B` (1/bohr).
    pub b: f64,
    /// `C` (hartree).
    pub c: f64,
    /// `D` (1/bohr²).
    pub d: f64,
}

impl Default for Tully1 {
    fn default() -> Self {
        Self {
            a: 0.01,
            b: 1.6,
            c: 0.005,
            d: 1.0,
        }
    }
}

impl Tully1 {
    /// `(V₁₁, V₁₂)` and their derivatives at `x`.
    fn parts(&self, x: f64) -> ([f64; 2], [f64; 2]) {
        let e = (-self.b * x.abs()).exp();
        let v11 = self.a * (1.0 - e) * x.signum();
        let v12 = self.c * (-self.d * x * x).exp();
        ([v11, v12], [self.a * self.b * e, -2.0 * self.d * x * v12])
    }
}

impl DiabaticModel for Tully1 {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        1
    }
    fn potential(&self, r: &[f64]) -> DMatrix<f64> {
        let ([v11, v12], _) = self.parts(r[0]);
        symmetric(v11, -v11, v12)
    }
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
        let (_, [d11, d12]) = self.parts(r[0]);
        vec![symmetric(d11, -d11, d12)]
    }
    fn fill(&self, r: &[f64], potential: &mut [f64], gradient: &mut [f64]) {
        let ([v11, v12], [d11, d12]) = self.parts(r[0]);
        put_symmetric(potential, v11, -v11, v12);
        put_symmetric(gradient, d11, -d11, d12);
    }
}

/// Tully's dual avoided crossing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tully2 {
    /// `A` (hartree).
    pub a: f64,
    /// `B` (1/bohr²).
    pub b: f64,
    /// `C` (hartree).
    pub c: f64,
    /// `D` (1/bohr²).
    pub d: f64,
    /// `E₀` (hartree).
    pub e0: f64,
}

impl Default for Tully2 {
    fn default() -> Self {
        Self {
            a: 0.10,
            b: 0.28,
            c: 0.015,
            d: 0.06,
            e0: 0.05,
        }
    }
}

impl DiabaticModel for Tully2 {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        1
    }
    fn potential(&self, r: &[f64]) -> DMatrix<f64> {
        let x = r[0];
        let v22 = -self.a * (-self.b * x * x).exp() + self.e0;
        symmetric(0.0, v22, self.c * (-self.d * x * x).exp())
    }
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
        let x = r[0];
        let d22 = 2.0 * self.a * self.b * x * (-self.b * x * x).exp();
        let d12 = -2.0 * self.c * self.d * x * (-self.d * x * x).exp();
        vec![symmetric(0.0, d22, d12)]
    }
    fn fill(&self, r: &[f64], potential: &mut [f64], gradient: &mut [f64]) {
        let x = r[0];
        let (e22, e12) = ((-self.b * x * x).exp(), (-self.d * x * x).exp());
        put_symmetric(potential, 0.0, -self.a * e22 + self.e0, self.c * e12);
        put_symmetric(
            gradient,
            0.0,
            2.0 * self.a * self.b * x * e22,
            -2.0 * self.c * self.d * x * e12,
        );
    }
}

/// Tully's extended coupling with reflection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tully3 {
    /// `A` (hartree).
    pub a: f64,
    /// `B` (hartree).
    pub b: f64,
    /// `C` (1/bohr).
    pub c: f64,
}

impl Default for Tully3 {
    fn default() -> Self {
        Self {
            a: 6e-4,
            b: 0.1,
            c: 0.9,
        }
    }
}

impl DiabaticModel for Tully3 {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        1
    }
    fn potential(&self, r: &[f64]) -> DMatrix<f64> {
        let x = r[0];
        let v12 = if x < 0.0 {
            self.b * (self.c * x).exp()
        } else {
            self.b * (2.0 - (-self.c * x).exp())
        };
        symmetric(self.a, -self.a, v12)
    }
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
        let d12 = self.b * self.c * (-self.c * r[0].abs()).exp();
        vec![symmetric(0.0, 0.0, d12)]
    }
    fn fill(&self, r: &[f64], potential: &mut [f64], gradient: &mut [f64]) {
        let x = r[0];
        let e = (-self.c * x.abs()).exp();
        let v12 = if x < 0.0 {
            self.b * e
        } else {
            self.b * (2.0 - e)
        };
        put_symmetric(potential, self.a, -self.a, v12);
        put_symmetric(gradient, 0.0, 0.0, self.b * self.c * e);
    }
}

/// A two-state linear vibronic coupling model in two dimensions `R = (x, y)`:
/// `V₁₁ = ½ω(x² + y²) + κ₁x`, `V₂₂ = ½ω(x² + y²) + κ₂x + Δ`, `V₁₂ = λy`.
/// The states are degenerate (a conical intersection) where `y = 0` and
/// `(κ₁ − κ₂)x = Δ`. The default, `ω = 1`, `κ₁ = −1`, `κ₂ = 1`, `Δ = 0`, `λ = 1`, has a
/// circular cone at the origin, where the coupling diverges as `1/(2r)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearVibronic {
    /// `ω` (hartree/bohr²).
    pub omega: f64,
    /// `κ₁` (hartree/bohr).
    pub kappa1: f64,
    /// `κ₂` (hartree/bohr).
    pub kappa2: f64,
    /// `Δ` (hartree).
    pub delta: f64,
    /// `λ` (hartree/bohr).
    pub lambda: f64,
}

impl Default for LinearVibronic {
    fn default() -> Self {
        Self {
            omega: 1.0,
            kappa1: -1.0,
            kappa2: 1.0,
            delta: 0.0,
            lambda: 1.0,
        }
    }
}

impl DiabaticModel for LinearVibronic {
    fn n_states(&self) -> usize {
        2
    }
    fn n_dims(&self) -> usize {
        2
    }
    fn potential(&self, r: &[f64]) -> DMatrix<f64> {
        let (x, y) = (r[0], r[1]);
        let harmonic = 0.5 * self.omega * (x * x + y * y);
        symmetric(
            harmonic + self.kappa1 * x,
            harmonic + self.kappa2 * x + self.delta,
            self.lambda * y,
        )
    }
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
        let (x, y) = (r[0], r[1]);
        vec![
            symmetric(
                self.omega * x + self.kappa1,
                self.omega * x + self.kappa2,
                0.0,
            ),
            symmetric(self.omega * y, self.omega * y, self.lambda),
        ]
    }
}

/// Names of the analytic models, as `hamlet diabatic` accepts them.
pub const MODEL_NAMES: &[&str] = &["tully1", "tully2", "tully3", "lvc2d"];

/// The analytic model called `name` (see [`MODEL_NAMES`]), with its default parameters.
pub fn analytic_model(name: &str) -> Option<Box<dyn DiabaticModel>> {
    Some(match name {
        "tully1" => Box::new(Tully1::default()),
        "tully2" => Box::new(Tully2::default()),
        "tully3" => Box::new(Tully3::default()),
        "lvc2d" => Box::new(LinearVibronic::default()),
        _ => return None,
    })
}
