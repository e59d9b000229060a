//! Restricted Boltzmann machine (Carleo & Troyer, Science 355, 602 (2017)):
//!
//! `ln ψ(σ) = Σᵢ aᵢσᵢ + Σⱼ ln cosh θⱼ`,  `θⱼ = bⱼ + Σᵢ Wⱼᵢσᵢ`,
//!
//! with `N` visible spins and `M = αN` hidden units. Parameters are stored flat as
//! `[a (N), b (M), W (M × N, row j = hidden unit)]`; log-derivatives are
//! `∂/∂aᵢ = σᵢ`, `∂/∂bⱼ = tanh θⱼ`, `∂/∂Wⱼᵢ = σᵢ tanh θⱼ`.
//!
//! The cache holds `θ` and `t = tanh θ`. Flipping spin `i` shifts `θⱼ` by
//! `−dⱼ = −2Wⱼᵢσᵢ`, and `cosh(θⱼ − dⱼ)/cosh θⱼ = cosh dⱼ − sinh dⱼ · tⱼ`, so with
//! `cosh 2Wⱼᵢ`, `sinh 2Wⱼᵢ` tabulated once per parameter update a single-flip ratio is
//! `e^{−2aᵢσᵢ} Πⱼ (cosh 2Wⱼᵢ − σᵢ sinh 2Wⱼᵢ tⱼ)`: `O(M)` multiplications and no
//! transcendental function. Two flips use `cosh(d + d')`, `sinh(d + d')` from the same
//! tables. Accepted flips update `θ` by addition and, for real parameters, `t` by
//! `tanh(θ − d) = (t − tanh d)/(1 − t tanh d)`.

use super::{gaussian_params, hidden_units, Ansatz, JacobianLayout};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// RBM with parameters in `T` (`f64`: real positive ψ; `Complex64`: complex ψ).
#[derive(Clone, Debug)]
pub struct Rbm<T: Scalar> {
    n: usize,
    m: usize,
    params: Vec<T>,
    /// `Wⱼᵢ` transposed: `w_t[i·M + j]`, so a flip reads one contiguous column.
    w_t: Vec<T>,
    cosh_t: Vec<T>,
    sinh_t: Vec<T>,
    tanh_t: Vec<T>,
    /// `cosh 2Wⱼᵢ` and `sinh 2Wⱼᵢ` hidden-major (`[j·N + i]`), for all single flips at once.
    cosh_w: Vec<T>,
    sinh_w: Vec<T>,
    /// `e^{−2aᵢ}` and `e^{+2aᵢ}`: the visible factor of flipping an up / down spin.
    exp_down: Vec<T>,
    exp_up: Vec<T>,
    /// `maxⱼ |Re 2Wⱼᵢ|` per site: bounds the cancellation in `cosh d − sinh d · t`.
    reach: Vec<f64>,
}

/// Largest `|Re d|` for which the product form is used. A factor `cosh d − sinh d · t`
/// loses at most `e^{2|d|} ε ≈ 4·10⁻¹¹` (relative) to cancellation when `t → ±1`;
/// beyond it the ratio is taken from `ln cosh` differences.
const PRODUCT_REACH: f64 = 6.0;

/// RBM look-up table: `θ = b + Wσ` and `tanh θ`.
#[derive(Clone, Debug)]
pub struct RbmCache<T> {
    theta: Vec<T>,
    tanh: Vec<T>,
}

impl<T> RbmCache<T> {
    /// `tanh θⱼ` per hidden unit.
    pub(crate) fn tanh(&self) -> &[T] {
        &self.tanh
    }
}

impl<T: Scalar> Rbm<T> {
    /// An RBM on `n_sites` spins with `round(α·N)` hidden units, parameters drawn from
    /// a centred normal distribution of standard deviation `init_std`.
    pub fn new<R: rand::Rng>(
        n_sites: usize,
        alpha: f64,
        init_std: f64,
        rng: &mut R,
    ) -> Result<Self> {
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::invalid(
                "ansatz.alpha",
                format!("{alpha} must be positive (hidden units per site), e.g. alpha = 1"),
            ));
        }
        if !(init_std >= 0.0 && init_std.is_finite()) {
            return Err(Error::invalid(
                "ansatz.init_std",
                format!("{init_std} must be a non-negative number, e.g. 0.01"),
            ));
        }
        let m = hidden_units(alpha, n_sites);
        let params = gaussian_params(n_sites + m + m * n_sites, init_std, rng);
        Ok(Self::from_params(n_sites, m, params))
    }

    /// An RBM with given parameters `[a, b, W]`.
    pub fn from_params(n_sites: usize, n_hidden: usize, params: Vec<T>) -> Self {
        assert_eq!(params.len(), n_sites + n_hidden + n_sites * n_hidden);
        let mut rbm = Self {
            n: n_sites,
            m: n_hidden,
            params,
            w_t: Vec::new(),
            cosh_t: Vec::new(),
            sinh_t: Vec::new(),
            tanh_t: Vec::new(),
            cosh_w: Vec::new(),
            sinh_w: Vec::new(),
            exp_down: Vec::new(),
            exp_up: Vec::new(),
            reach: Vec::new(),
        };
        rbm.tabulate();
        rbm
    }

    /// Number of hidden units `M`.
    pub fn n_hidden(&self) -> usize {
        self.m
    }

    fn tabulate(&mut self) {
        let (n, m) = (self.n, self.m);
        let w = &self.params[n + m..];
        self.w_t = (0..n * m).map(|k| w[(k % m) * n + k / m]).collect();
        self.cosh_t = self.w_t.iter().map(|&x| (x * 2.0).cosh()).collect();
        self.sinh_t = self.w_t.iter().map(|&x| (x * 2.0).sinh()).collect();
        self.tanh_t = self.w_t.iter().map(|&x| (x * 2.0).tanh()).collect();
        self.cosh_w = w.iter().map(|&x| (x * 2.0).cosh()).collect();
        self.sinh_w = w.iter().map(|&x| (x * 2.0).sinh()).collect();
        self.exp_down = self.params[..n].iter().map(|&a| (a * -2.0).exp()).collect();
        self.exp_up = self.params[..n].iter().map(|&a| (a * 2.0).exp()).collect();
        self.reach = (0..n)
            .map(|i| {
                self.w_t[i * m..(i + 1) * m]
                    .iter()
                    .fold(0.0, |r: f64, &w| r.max(2.0 * w.re().abs()))
            })
            .collect();
    }

    #[inline]
    fn visible_factor(&self, i: usize, s: i8) -> T {
        if s > 0 {
            self.exp_down[i]
        } else {
            self.exp_up[i]
        }
    }

    /// Whether every `|Re dⱼ|`, `dⱼ = 2(Wⱼᵢσᵢ + Wⱼₖσₖ)`, is within [`PRODUCT_REACH`]:
    /// first by the per-site bounds, then exactly (`O(M)` additions).
    fn pair_within_reach(&self, sigma: &[i8], i: usize, k: usize) -> bool {
        if self.reach[i] + self.reach[k] <= PRODUCT_REACH {
            return true;
        }
        let m = self.m;
        let (si, sk) = (sigma[i] as f64, sigma[k] as f64);
        self.w_t[i * m..(i + 1) * m]
            .iter()
            .zip(&self.w_t[k * m..(k + 1) * m])
            .all(|(&a, &b)| (2.0 * (a.re() * si + b.re() * sk)).abs() <= PRODUCT_REACH)
    }

    /// Ratio from `ln cosh` differences: used for three or more flips and whenever
    /// the product form leaves the floating-point range.
    fn ratio_by_logs(&self, sigma: &[i8], cache: &RbmCache<T>, flips: &[usize]) -> T {
        let mut log = T::zero();
        for &i in flips {
            log -= self.params[i] * (2.0 * sigma[i] as f64);
        }
        for j in 0..self.m {
            let mut shifted = cache.theta[j];
            for &i in flips {
                shifted -= self.w_t[i * self.m + j] * (2.0 * sigma[i] as f64);
            }
            log += shifted.ln_cosh() - cache.theta[j].ln_cosh();
        }
        log.exp()
    }
}

/// Independent partial products in the ratio products: enough to fill four AVX
/// registers, so the multiplications pipeline instead of waiting on one accumulator.
pub(crate) const LANES: usize = 16;

/// `Πⱼ (cⱼ − hⱼ·tⱼ·s)`: lane `l` multiplies the factors `j ≡ l (mod LANES)` of the
/// whole chunks, the remainder goes to lanes `0, 1, …`, and the lanes are combined
/// pairwise ([`combine`]). Every implementation follows this order, so results do not
/// depend on the instruction set.
#[inline]
pub(crate) fn flip_product_generic<T: Scalar>(c: &[T], h: &[T], t: &[T], s: f64) -> T {
    let m = t.len();
    let (c, h) = (&c[..m], &h[..m]);
    let full = m / LANES * LANES;
    let mut acc = [T::from_real(1.0); LANES];
    for ((cc, hc), tc) in c[..full]
        .chunks_exact(LANES)
        .zip(h[..full].chunks_exact(LANES))
        .zip(t[..full].chunks_exact(LANES))
    {
        for l in 0..LANES {
            acc[l] *= cc[l] - hc[l] * tc[l] * s;
        }
    }
    for (l, j) in (full..m).enumerate() {
        acc[l] *= c[j] - h[j] * t[j] * s;
    }
    combine(acc)
}

/// [`flip_product_generic`] for `f64` with AVX: the same operations in the same order.
#[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
#[inline]
pub(crate) fn flip_product_f64(c: &[f64], h: &[f64], t: &[f64], s: f64) -> f64 {
    use std::arch::x86_64::*;
    let m = t.len();
    let (c, h) = (&c[..m], &h[..m]);
    let full = m / LANES * LANES;
    let mut acc = [1.0f64; LANES];
    // SAFETY: AVX is enabled at compile time (cfg above); every load reads
    // `j + 4q + 3 < full ≤ m` elements of slices of length `m`; stores go to `acc`.
    unsafe {
        let sv = _mm256_set1_pd(s);
        let mut v = [_mm256_set1_pd(1.0); 4];
        let mut j = 0;
        while j < full {
            for (q, vq) in v.iter_mut().enumerate() {
                let k = j + 4 * q;
                let hc = _mm256_mul_pd(
                    _mm256_loadu_pd(h.as_ptr().add(k)),
                    _mm256_loadu_pd(t.as_ptr().add(k)),
                );
                let f = _mm256_sub_pd(_mm256_loadu_pd(c.as_ptr().add(k)), _mm256_mul_pd(hc, sv));
                *vq = _mm256_mul_pd(*vq, f);
            }
            j += LANES;
        }
        for (q, vq) in v.iter().enumerate() {
            _mm256_storeu_pd(acc.as_mut_ptr().add(4 * q), *vq);
        }
    }
    for (l, j) in (full..m).enumerate() {
        acc[l] *= c[j] - h[j] * t[j] * s;
    }
    combine(acc)
}

/// `Πⱼ (cosh dⱼ − sinh dⱼ · tⱼ)` for a pair of flips, `dⱼ = dᵢⱼ + dₖⱼ`, from the
/// single-flip tables (`cosh(a+b)`, `sinh(a+b)` by the addition theorems).
#[inline]
fn pair_product<T: Scalar>(ci: &[T], hi: &[T], ck: &[T], hk: &[T], t: &[T], si: f64, sk: f64) -> T {
    let one = T::from_real(1.0);
    let mut acc = [one; LANES];
    let m = t.len();
    let full = m / LANES * LANES;
    let factor = |j: usize| {
        let cosh_d = ci[j] * ck[j] + hi[j] * hk[j] * (si * sk);
        let sinh_d = hi[j] * ck[j] * si + ci[j] * hk[j] * sk;
        cosh_d - sinh_d * t[j]
    };
    let mut j = 0;
    while j < full {
        for (l, a) in acc.iter_mut().enumerate() {
            *a *= factor(j + l);
        }
        j += LANES;
    }
    for (l, k) in (full..m).enumerate() {
        acc[l] *= factor(k);
    }
    combine(acc)
}

/// Product of the partial products, pairwise in a fixed order.
#[inline]
fn combine<T: Scalar>(mut acc: [T; LANES]) -> T {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            let partner = acc[l + width];
            acc[l] *= partner;
        }
    }
    acc[0]
}

impl<T: Scalar> Ansatz for Rbm<T> {
    type T = T;
    type Cache = RbmCache<T>;

    fn name(&self) -> &'static str {
        "rbm"
    }

    fn n_sites(&self) -> usize {
        self.n
    }

    fn n_params(&self) -> usize {
        self.params.len()
    }

    fn params(&self) -> &[T] {
        &self.params
    }

    fn set_params(&mut self, params: &[T]) {
        self.params.copy_from_slice(params);
        self.tabulate();
    }

    fn cache(&self, sigma: &[i8]) -> RbmCache<T> {
        let (n, m) = (self.n, self.m);
        let mut theta = self.params[n..n + m].to_vec();
        for (i, &s) in sigma.iter().enumerate() {
            let col = &self.w_t[i * m..(i + 1) * m];
            if s > 0 {
                theta.iter_mut().zip(col).for_each(|(t, &w)| *t += w);
            } else {
                theta.iter_mut().zip(col).for_each(|(t, &w)| *t -= w);
            }
        }
        let tanh = theta.iter().map(|&x| x.tanh()).collect();
        RbmCache { theta, tanh }
    }

    fn log_psi(&self, sigma: &[i8], cache: &RbmCache<T>) -> T {
        let visible: T = sigma
            .iter()
            .zip(&self.params[..self.n])
            .map(|(&s, &a)| a * s as f64)
            .sum();
        visible + cache.theta.iter().map(|&x| x.ln_cosh()).sum::<T>()
    }

    fn ratio(&self, sigma: &[i8], cache: &RbmCache<T>, flips: &[usize]) -> T {
        let m = self.m;
        // Exact-length slices let the compiler drop bounds checks in the products.
        let t = &cache.tanh[..m];
        let r = match *flips {
            [] => return T::from_real(1.0),
            [i] if self.reach[i] <= PRODUCT_REACH => {
                let s = sigma[i] as f64;
                let (c, sh) = (
                    &self.cosh_t[i * m..(i + 1) * m],
                    &self.sinh_t[i * m..(i + 1) * m],
                );
                self.visible_factor(i, sigma[i]) * T::flip_product(c, sh, t, s)
            }
            [i, k] if self.pair_within_reach(sigma, i, k) => {
                let (si, sk) = (sigma[i] as f64, sigma[k] as f64);
                let (ci, shi) = (
                    &self.cosh_t[i * m..(i + 1) * m],
                    &self.sinh_t[i * m..(i + 1) * m],
                );
                let (ck, shk) = (
                    &self.cosh_t[k * m..(k + 1) * m],
                    &self.sinh_t[k * m..(k + 1) * m],
                );
                let visible = self.visible_factor(i, sigma[i]) * self.visible_factor(k, sigma[k]);
                visible * pair_product(ci, shi, ck, shk, t, si, sk)
            }
            _ => return self.ratio_by_logs(sigma, cache, flips),
        };
        if r.is_finite() && r.abs2() > 1e-280 {
            r
        } else {
            self.ratio_by_logs(sigma, cache, flips)
        }
    }

    /// All `N` single-flip ratios in one pass over the weights, hidden unit by hidden
    /// unit: `rᵢ = e^{−2aᵢσᵢ} Πⱼ (cosh 2Wⱼᵢ − sinh 2Wⱼᵢ · tⱼσᵢ)`, vectorized across
    /// sites (`N·M` operations, like `N` separate ratios, but without their
    /// per-call overhead and dependency chains). Sites outside the product form's
    /// range are recomputed by [`Ansatz::ratio`].
    fn single_flip_ratios(&self, sigma: &[i8], cache: &RbmCache<T>, out: &mut [T]) -> bool {
        let n = self.n;
        let (out, sigma) = (&mut out[..n], &sigma[..n]);
        out.fill(T::from_real(1.0));
        for (j, &t) in cache.tanh.iter().enumerate() {
            let (c, h) = (
                &self.cosh_w[j * n..(j + 1) * n],
                &self.sinh_w[j * n..(j + 1) * n],
            );
            for (((r, &cj), &hj), &s) in out.iter_mut().zip(c).zip(h).zip(sigma) {
                *r *= cj - hj * t * s as f64;
            }
        }
        for (i, r) in out.iter_mut().enumerate() {
            *r *= self.visible_factor(i, sigma[i]);
            if self.reach[i] > PRODUCT_REACH || !r.is_finite() || r.abs2() <= 1e-280 {
                *r = self.ratio(sigma, cache, &[i]);
            }
        }
        true
    }

    fn flip(&self, sigma: &mut [i8], cache: &mut RbmCache<T>, flips: &[usize]) {
        let m = self.m;
        for &i in flips {
            let s = sigma[i] as f64;
            let col = &self.w_t[i * m..(i + 1) * m];
            cache
                .theta
                .iter_mut()
                .zip(col)
                .for_each(|(th, &w)| *th -= w * (2.0 * s));
            if !T::COMPLEX {
                // tanh(θ − d) = (t − tanh d)/(1 − t tanh d); |t|, |tanh d| < 1 for real θ.
                let th = &self.tanh_t[i * m..(i + 1) * m];
                cache.tanh.iter_mut().zip(th).for_each(|(t, &td)| {
                    let td = td * s;
                    *t = (*t - td) / (T::from_real(1.0) - *t * td);
                });
            }
            sigma[i] = -sigma[i];
        }
        if T::COMPLEX {
            cache
                .tanh
                .iter_mut()
                .zip(&cache.theta)
                .for_each(|(t, &x)| *t = x.tanh());
        }
    }

    fn refresh(&self, _sigma: &[i8], cache: &mut RbmCache<T>) {
        cache
            .tanh
            .iter_mut()
            .zip(&cache.theta)
            .for_each(|(t, &x)| *t = x.tanh());
    }

    fn log_grad(&self, sigma: &[i8], cache: &RbmCache<T>, out: &mut [T]) {
        let (n, m) = (self.n, self.m);
        for (o, &s) in out[..n].iter_mut().zip(sigma) {
            *o = T::from_real(s as f64);
        }
        out[n..n + m].copy_from_slice(&cache.tanh);
        for (j, &t) in cache.tanh.iter().enumerate() {
            let row = &mut out[n + m + j * n..n + m + (j + 1) * n];
            for (o, &s) in row.iter_mut().zip(sigma) {
                *o = t * s as f64;
            }
        }
    }

    fn jacobian_layout(&self) -> JacobianLayout {
        JacobianLayout::VisibleHidden {
            n_visible: self.n,
            n_hidden: self.m,
        }
    }

    fn jacobian_row_len(&self) -> usize {
        self.n + self.m
    }

    fn jacobian_row(&self, sigma: &[i8], cache: &RbmCache<T>, out: &mut [T]) {
        for (o, &s) in out[..self.n].iter_mut().zip(sigma) {
            *o = T::from_real(s as f64);
        }
        out[self.n..].copy_from_slice(&cache.tanh);
    }
}
