//! Real and complex numbers behind one trait, so that exact diagonalization and the
//! variational engine share one generic code path and use real arithmetic whenever the
//! problem is real (half the memory, a third of the flops).

use crate::operator::PauliSum;
use faer::{Mat, Side};
use num_complex::Complex64;
use rand::RngExt;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// Number of parts faer splits dense linear algebra into. Fixed, not the number of
/// threads, so that sums are associated the same way on any machine and for any
/// `RAYON_NUM_THREADS`: same seed, same numbers.
pub const LINEAR_ALGEBRA_PARTS: usize = 4;

/// Makes faer's parallel kernels partition work into [`LINEAR_ALGEBRA_PARTS`] parts
/// whatever the thread pool (called by the engines before any dense linear algebra).
pub fn fix_linear_algebra_partition() {
    let parts = std::num::NonZeroUsize::new(LINEAR_ALGEBRA_PARTS).expect("non-zero");
    faer::set_global_parallelism(faer::Par::Rayon(parts));
}

/// An amplitude type (`f64` or `Complex64`).
pub trait Scalar:
    faer::traits::ComplexField<Real = f64>
    + Copy
    + Send
    + Sync
    + Default
    + PartialEq
    + std::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Mul<f64, Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + std::iter::Sum
    + 'static
{
    /// Whether the type is complex.
    const COMPLEX: bool;
    /// The same field in single precision (`f32`, `Complex32`): preconditioners only.
    type Single: faer::traits::ComplexField<Real = f32> + Copy + Send + Sync + 'static;
    /// Rounds to single precision.
    fn to_single(self) -> Self::Single;
    /// Widens from single precision.
    fn from_single(x: Self::Single) -> Self;
    /// Zero.
    fn zero() -> Self {
        Self::default()
    }
    /// The complex number `z` (its real part for a real type).
    fn from_c64(z: Complex64) -> Self;
    /// Imaginary part (zero for a real type).
    fn im(self) -> f64;
    /// `eᶻ`.
    fn exp(self) -> Self;
    /// Natural logarithm (principal branch).
    fn ln(self) -> Self;
    /// `tanh z`.
    fn tanh(self) -> Self;
    /// `cosh z`.
    fn cosh(self) -> Self;
    /// `sinh z`.
    fn sinh(self) -> Self;
    /// `ln cosh z`, accurate for large `|Re z|` where `cosh` overflows:
    /// `ln cosh z = |x| + ln((1 + e^{−2|x|}·e^{∓2iy})/2)` with `z = x + iy`.
    fn ln_cosh(self) -> Self;
    /// Whether real and imaginary parts are finite.
    fn is_finite(self) -> bool {
        self.abs2().is_finite()
    }
    /// Complex conjugate.
    fn conj(self) -> Self;
    /// `|z|²`.
    fn abs2(self) -> f64;
    /// Real part.
    fn re(self) -> f64;
    /// The real number `x` as an amplitude.
    fn from_real(x: f64) -> Self;
    /// As a complex number.
    fn to_c64(self) -> Complex64;
    /// A standard normal sample (complex: independent real and imaginary parts).
    fn sample_normal<R: rand::Rng>(rng: &mut R) -> Self;
    /// Calls `f(x_mask, conj⟨b ⊕ x|H|b⟩)` for every non-zero off-diagonal element:
    /// the row-`b` entries `H_{b, b⊕x}` of a Hermitian `H`.
    fn for_each_row_element(op: &PauliSum, b: u64, f: impl FnMut(u64, Self));
    /// The RBM single-flip ratio product `Πⱼ (cⱼ − hⱼ·tⱼ·s)` (see `ansatz::rbm`).
    #[inline]
    fn flip_product(c: &[Self], h: &[Self], t: &[Self], s: f64) -> Self {
        crate::ansatz::flip_product_generic(c, h, t, s)
    }
    /// Eigen-decomposition of the Hermitian `m × m` matrix `a` (column-major):
    /// ascending eigenvalues and eigenvectors (column-major).
    fn eigh(a: &[Self], m: usize) -> Option<(Vec<f64>, Vec<Self>)>;
}

fn normal_pair<R: rand::Rng>(rng: &mut R) -> (f64, f64) {
    // Box–Muller, explicit so the stream never depends on a distribution crate.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    let r = (-2.0 * u1.ln()).sqrt();
    let t = 2.0 * std::f64::consts::PI * u2;
    (r * t.cos(), r * t.sin())
}

impl Scalar for f64 {
    const COMPLEX: bool = false;
    type Single = f32;
    fn to_single(self) -> f32 {
        self as f32
    }
    fn from_single(x: f32) -> Self {
        x as f64
    }
    fn from_c64(z: Complex64) -> Self {
        z.re
    }
    fn im(self) -> f64 {
        0.0
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    fn cosh(self) -> Self {
        f64::cosh(self)
    }
    fn sinh(self) -> Self {
        f64::sinh(self)
    }
    fn ln_cosh(self) -> Self {
        let a = self.abs();
        a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
    }
    fn conj(self) -> Self {
        self
    }
    fn abs2(self) -> f64 {
        self * self
    }
    fn re(self) -> f64 {
        self
    }
    fn from_real(x: f64) -> Self {
        x
    }
    fn to_c64(self) -> Complex64 {
        Complex64::new(self, 0.0)
    }
    fn sample_normal<R: rand::Rng>(rng: &mut R) -> Self {
        normal_pair(rng).0
    }
    #[inline]
    fn for_each_row_element(op: &PauliSum, b: u64, f: impl FnMut(u64, Self)) {
        op.for_each_off_diagonal_real(b, f);
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    #[inline]
    fn flip_product(c: &[Self], h: &[Self], t: &[Self], s: f64) -> Self {
        crate::ansatz::flip_product_f64(c, h, t, s)
    }
    fn eigh(a: &[Self], m: usize) -> Option<(Vec<f64>, Vec<Self>)> {
        let mat = Mat::<f64>::from_fn(m, m, |i, j| a[i + m * j]);
        let evd = mat.self_adjoint_eigen(Side::Lower).ok()?;
        let values: Vec<f64> = (0..m).map(|i| evd.S()[i]).collect();
        let u = evd.U();
        let vectors = (0..m * m).map(|k| u[(k % m, k / m)]).collect();
        Some((values, vectors))
    }
}

impl Scalar for Complex64 {
    const COMPLEX: bool = true;
    type Single = num_complex::Complex32;
    fn to_single(self) -> num_complex::Complex32 {
        num_complex::Complex32::new(self.re as f32, self.im as f32)
    }
    fn from_single(x: num_complex::Complex32) -> Self {
        Complex64::new(x.re as f64, x.im as f64)
    }
    fn from_c64(z: Complex64) -> Self {
        z
    }
    fn im(self) -> f64 {
        self.im
    }
    fn exp(self) -> Self {
        Complex64::exp(self)
    }
    fn ln(self) -> Self {
        Complex64::ln(self)
    }
    fn tanh(self) -> Self {
        Complex64::tanh(self)
    }
    fn cosh(self) -> Self {
        Complex64::cosh(self)
    }
    fn sinh(self) -> Self {
        Complex64::sinh(self)
    }
    fn ln_cosh(self) -> Self {
        // Reflect to Re z ≥ 0 (cosh is even), then cosh z = e^z (1 + e^{−2z}) / 2.
        let z = if self.re < 0.0 { -self } else { self };
        z + ((1.0 + (-2.0 * z).exp()) * 0.5).ln()
    }
    fn conj(self) -> Self {
        Complex64::conj(&self)
    }
    fn abs2(self) -> f64 {
        self.norm_sqr()
    }
    fn re(self) -> f64 {
        self.re
    }
    fn from_real(x: f64) -> Self {
        Complex64::new(x, 0.0)
    }
    fn to_c64(self) -> Complex64 {
        self
    }
    fn sample_normal<R: rand::Rng>(rng: &mut R) -> Self {
        let (a, b) = normal_pair(rng);
        Complex64::new(a, b)
    }
    #[inline]
    fn for_each_row_element(op: &PauliSum, b: u64, mut f: impl FnMut(u64, Self)) {
        op.for_each_off_diagonal(b, |x, e| f(x, e.conj()));
    }
    fn eigh(a: &[Self], m: usize) -> Option<(Vec<f64>, Vec<Self>)> {
        let mat = Mat::<faer::c64>::from_fn(m, m, |i, j| {
            let z = a[i + m * j];
            faer::c64::new(z.re, z.im)
        });
        let evd = mat.self_adjoint_eigen(Side::Lower).ok()?;
        let values: Vec<f64> = (0..m).map(|i| evd.S()[i].re).collect();
        let u = evd.U();
        let vectors = (0..m * m)
            .map(|k| {
                let z = u[(k % m, k / m)];
                Complex64::new(z.re, z.im)
            })
            .collect();
        Some((values, vectors))
    }
}
