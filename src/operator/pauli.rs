//! Sums of Pauli strings, compiled for fast connected elements.
//!
//! A Pauli string on sites with `X` mask `x` and `Z` mask `z` is written
//! `P = c · i^{n_Y} · Xˣ Zᶻ` (using `Y = iXZ` on each site). On a basis state `|b⟩`
//! (bit `i` of `b` set ⇔ `σᵢ = +1`) it gives `P|b⟩ = c · i^{n_Y} · (−1)^{|z ∧ ¬b|} |b ⊕ x⟩`.
//! All strings with the same `x` connect `|b⟩` to the same `|b ⊕ x⟩`, so they are
//! grouped: the operator is stored as one diagonal group (`x = 0`) and one group per
//! distinct flip mask, and a state has at most one connected element per group.

use crate::error::{Error, Result};
use crate::lattice::MAX_SITES;

use num_complex::Complex64;
use std::collections::BTreeMap;

/// Terms with a magnitude at or below this are treated as exact zeros.
const ZERO: f64 = 1e-300;

/// A single Pauli string `coeff · ⊗ₖ ops[k]_{sites[k]}` with a real coefficient.
#[derive(Clone, Debug, PartialEq)]
pub struct PauliString {
    /// Real coefficient (energy units of the Hamiltonian).
    pub coeff: f64,
    /// One of `X`, `Y`, `Z`, `I` per site.
    pub ops: String,
    /// Distinct sites the operators act on, in the order of `ops`.
    pub sites: Vec<usize>,
}

/// The strings sharing one set of flipped sites `x`: `Σₜ cₜ (−1)^{|zₜ ∧ ¬b|}`, or on a
/// `±1` configuration `Σₜ cₜ Π_{i∈zₜ} σᵢ`. Bit masks are kept for `N ≤ 64` (exact
/// diagonalization); site lists work for any `N`.
#[derive(Clone, Debug)]
struct FlipGroup {
    x_mask: u64,
    flips: Vec<usize>,
    terms: Vec<(u64, Complex64)>,
    z_sites: Vec<Vec<usize>>,
}

impl FlipGroup {
    /// `⟨σ'| Σₜ Pₜ |σ⟩` for the configuration `σ` (±1).
    #[inline]
    fn element_sigma(&self, sigma: &[i8]) -> Complex64 {
        let mut sum = Complex64::new(0.0, 0.0);
        for (&(_, c), z) in self.terms.iter().zip(&self.z_sites) {
            let sign: i8 = z.iter().map(|&i| sigma[i]).product();
            if sign > 0 {
                sum += c;
            } else {
                sum -= c;
            }
        }
        sum
    }

    /// `⟨b ⊕ x| Σₜ Pₜ |b⟩`.
    #[inline]
    fn element(&self, b: u64) -> Complex64 {
        let not_b = !b;
        let mut sum = Complex64::new(0.0, 0.0);
        for &(z, c) in &self.terms {
            if (z & not_b).count_ones() & 1 == 0 {
                sum += c;
            } else {
                sum -= c;
            }
        }
        sum
    }

    fn support(&self) -> Vec<usize> {
        let mut sites: Vec<usize> = self
            .flips
            .iter()
            .chain(self.z_sites.iter().flatten())
            .copied()
            .collect();
        sites.sort_unstable();
        sites.dedup();
        sites
    }
}

/// A Hermitian operator `Σ cₛ Pₛ` on spin-½ sites: the single "connected elements"
/// primitive shared by exact diagonalization, local energies and observables. Methods
/// on packed `u64` states (`*_bits`, `*_off_diagonal*`, `diagonal_element`) need
/// `N ≤ 64`; methods on `±1` configurations work for any `N`.
#[derive(Clone, Debug)]
pub struct PauliSum {
    n_sites: usize,
    diagonal: FlipGroup,
    groups: Vec<FlipGroup>,
    real: bool,
    /// Spin-exchange groups (`σ⁺σ⁻ + h.c.` on a pair), by site distance.
    exchange: Vec<ExchangeClass>,
    /// Real parts of the other off-diagonal terms, flattened for the hot loops.
    flat: FlatTerms,
    /// Exchange groups as `(i, j, 2a)` for configurations of any size.
    pairs: Vec<(usize, usize, f64)>,
    /// Indices of the groups that are not exchange pairs.
    others: Vec<usize>,
    /// Real parts of the diagonal terms, flattened.
    flat_diagonal: FlatTerms,
}

/// Exchange groups on pairs `(i, i + d)` for one distance `d`: the group
/// `c (XX + YY)`-like terms `{(z = 0, a), (z = x, −a)}` give `2a` when the two spins are
/// antiparallel and zero otherwise, so the non-zero elements of a state `b` are the set
/// bits of `(b ⊕ (b ≫ d)) ∧ mask`, found without a branch per pair.
#[derive(Clone, Debug)]
struct ExchangeClass {
    distance: u32,
    mask: u64,
    value: Vec<f64>,
}

/// Groups stored contiguously: group `g` owns terms `start[g]..start[g + 1]`.
#[derive(Clone, Debug, Default)]
struct FlatTerms {
    x_mask: Vec<u64>,
    start: Vec<u32>,
    z: Vec<u64>,
    c: Vec<f64>,
}

impl FlatTerms {
    fn new<'a>(groups: impl IntoIterator<Item = &'a FlipGroup>) -> Self {
        let mut flat = FlatTerms::default();
        for g in groups {
            flat.x_mask.push(g.x_mask);
            flat.start.push(flat.z.len() as u32);
            for &(z, c) in &g.terms {
                flat.z.push(z);
                flat.c.push(c.re);
            }
        }
        flat.start.push(flat.z.len() as u32);
        flat
    }

    /// `Σₜ cₜ (−1)^{|zₜ ∧ ¬b|}` over the terms of group `g`, without branches.
    #[inline(always)]
    fn element(&self, g: usize, not_b: u64) -> f64 {
        let (lo, hi) = (self.start[g] as usize, self.start[g + 1] as usize);
        let mut sum = 0.0;
        for (&z, &c) in self.z[lo..hi].iter().zip(&self.c[lo..hi]) {
            let odd = u64::from((z & not_b).count_ones() & 1);
            sum += f64::from_bits(c.to_bits() ^ (odd << 63));
        }
        sum
    }
}

impl PauliSum {
    /// Compiles a list of Pauli strings; identical strings are merged.
    ///
    /// Errors name the offending term (index in the list), e.g. a site out of range,
    /// a repeated site, or an operator letter other than `I`, `X`, `Y`, `Z`.
    pub fn new(n_sites: usize, strings: &[PauliString]) -> Result<Self> {
        if n_sites == 0 || n_sites > MAX_SITES {
            return Err(Error::invalid(
                "system.size",
                format!("{n_sites} sites; operators need 1 to {MAX_SITES} sites"),
            ));
        }
        let mut merged: BTreeMap<(Vec<usize>, Vec<usize>), Complex64> = BTreeMap::new();
        for (t, s) in strings.iter().enumerate() {
            let key = format!("hamiltonian.terms[{t}]");
            let (x, z, n_y) = site_sets(n_sites, s, &key)?;
            if !s.coeff.is_finite() {
                return Err(Error::invalid(&key, "coeff must be a finite number"));
            }
            let phase = match n_y % 4 {
                0 => Complex64::new(1.0, 0.0),
                1 => Complex64::new(0.0, 1.0),
                2 => Complex64::new(-1.0, 0.0),
                _ => Complex64::new(0.0, -1.0),
            };
            *merged.entry((x, z)).or_default() += phase * s.coeff;
        }
        let mut by_flip: BTreeMap<Vec<usize>, Vec<(Vec<usize>, Complex64)>> = BTreeMap::new();
        for ((x, z), c) in merged {
            if c.norm() > ZERO {
                by_flip.entry(x).or_default().push((z, c));
            }
        }
        let diagonal_terms = by_flip.remove(&Vec::new()).unwrap_or_default();
        let real = by_flip
            .values()
            .chain(std::iter::once(&diagonal_terms))
            .flatten()
            .all(|(_, c)| c.im == 0.0);
        let to_mask = |sites: &[usize]| -> u64 {
            if n_sites <= 64 {
                sites.iter().fold(0u64, |m, &i| m | (1u64 << i))
            } else {
                0
            }
        };
        let group = |flips: Vec<usize>, terms: Vec<(Vec<usize>, Complex64)>| FlipGroup {
            x_mask: to_mask(&flips),
            terms: terms.iter().map(|(z, c)| (to_mask(z), *c)).collect(),
            z_sites: terms.into_iter().map(|(z, _)| z).collect(),
            flips,
        };
        Ok(Self {
            n_sites,
            diagonal: group(Vec::new(), diagonal_terms),
            groups: by_flip.into_iter().map(|(x, t)| group(x, t)).collect(),
            real,
            exchange: Vec::new(),
            flat: FlatTerms::default(),
            pairs: Vec::new(),
            others: Vec::new(),
            flat_diagonal: FlatTerms::default(),
        }
        .flattened())
    }

    fn flattened(mut self) -> Self {
        self.pairs.clear();
        self.others.clear();
        for (k, g) in self.groups.iter().enumerate() {
            match exchange_value(g) {
                Some((i, j, value)) => self.pairs.push((i, j, value)),
                None => self.others.push(k),
            }
        }
        if self.n_sites > 64 {
            return self;
        }
        let mut exchange: Vec<ExchangeClass> = Vec::new();
        let mut generic = Vec::new();
        for g in &self.groups {
            match exchange_value(g) {
                Some((i, j, value)) => {
                    let (i, d) = (i as u32, (j - i) as u32);
                    let class = match exchange.iter().position(|c| c.distance == d) {
                        Some(k) => &mut exchange[k],
                        None => {
                            exchange.push(ExchangeClass {
                                distance: d,
                                mask: 0,
                                value: vec![0.0; 64],
                            });
                            exchange.last_mut().expect("just pushed")
                        }
                    };
                    class.mask |= 1 << i;
                    class.value[i as usize] = value;
                }
                None => generic.push(g),
            }
        }
        self.exchange = exchange;
        self.flat = FlatTerms::new(generic);
        self.flat_diagonal = FlatTerms::new(std::iter::once(&self.diagonal));
        self
    }

    /// Number of sites the operator acts on.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// Whether every matrix element in the `σᶻ` basis is real.
    pub fn is_real(&self) -> bool {
        self.real
    }

    /// Calls `f(b', ⟨b'|H|b⟩)` for the diagonal element (`b' = b`) and every
    /// off-diagonal `b' = b ⊕ x` with a non-zero element.
    #[inline]
    pub fn for_each_connected_bits(&self, b: u64, mut f: impl FnMut(u64, Complex64)) {
        f(b, self.diagonal.element(b));
        for g in &self.groups {
            let e = g.element(b);
            if e.norm_sqr() > 0.0 {
                f(b ^ g.x_mask, e);
            }
        }
    }

    /// Off-diagonal part only: `f(x_mask, ⟨b ⊕ x|H|b⟩)` for non-zero elements.
    #[inline]
    pub fn for_each_off_diagonal_real(&self, b: u64, mut f: impl FnMut(u64, f64)) {
        for class in &self.exchange {
            let d = class.distance;
            let mut active = (b ^ (b >> d)) & class.mask;
            while active != 0 {
                let i = active.trailing_zeros();
                active &= active - 1;
                f((1u64 << i) | (1u64 << (i + d)), class.value[i as usize]);
            }
        }
        let not_b = !b;
        for (g, &x) in self.flat.x_mask.iter().enumerate() {
            let e = self.flat.element(g, not_b);
            if e != 0.0 {
                f(x, e);
            }
        }
    }

    /// Diagonal element `⟨b|H|b⟩` (real for a Hermitian operator).
    #[inline]
    pub fn diagonal_element(&self, b: u64) -> f64 {
        self.flat_diagonal.element(0, !b)
    }

    /// Off-diagonal part, complex: `f(x_mask, ⟨b ⊕ x|H|b⟩)`.
    #[inline]
    pub fn for_each_off_diagonal(&self, b: u64, mut f: impl FnMut(u64, Complex64)) {
        for g in &self.groups {
            let e = g.element(b);
            if e.norm_sqr() > 0.0 {
                f(g.x_mask, e);
            }
        }
    }

    /// Number of off-diagonal groups that flip a single spin.
    pub fn single_flip_groups(&self) -> usize {
        self.groups.iter().filter(|g| g.flips.len() == 1).count()
    }

    /// Connected elements of a `±1` configuration of any size for a real operator: calls
    /// `f(flipped sites, ⟨σ'|H|σ⟩)`, first for `σ' = σ` (no flips), then for every
    /// non-zero off-diagonal element. This is the local-energy hot path.
    #[inline]
    pub fn for_each_flip_sigma_real(&self, sigma: &[i8], mut f: impl FnMut(&[usize], f64)) {
        f(&[], self.diagonal.element_sigma(sigma).re);
        for &(i, j, value) in &self.pairs {
            if sigma[i] != sigma[j] {
                f(&[i, j], value);
            }
        }
        for &k in &self.others {
            let g = &self.groups[k];
            let e = g.element_sigma(sigma).re;
            if e != 0.0 {
                f(&g.flips, e);
            }
        }
    }

    /// Complex version of [`Self::for_each_flip_sigma_real`].
    #[inline]
    pub fn for_each_flip_sigma(&self, sigma: &[i8], mut f: impl FnMut(&[usize], Complex64)) {
        f(&[], self.diagonal.element_sigma(sigma));
        for g in &self.groups {
            let e = g.element_sigma(sigma);
            if e.norm_sqr() > 0.0 {
                f(&g.flips, e);
            }
        }
    }

    /// Connected elements of a `±1` configuration: calls `f(flipped sites, ⟨σ'|H|σ⟩)`,
    /// first for `σ' = σ` (no flips), then for each non-zero off-diagonal element.
    pub fn for_each_connected(&self, sigma: &[i8], f: &mut dyn FnMut(&[usize], Complex64)) {
        self.for_each_flip_sigma(sigma, f);
    }

    /// Whether the operator commutes with the total magnetization `Σσᶻ`: every
    /// non-zero element must flip as many up spins as down spins. Checked exactly
    /// on each group's support; a group supported on more than 20 sites is
    /// conservatively reported as breaking it.
    pub fn conserves_magnetization(&self) -> bool {
        self.every_off_diagonal(|g, sigma| {
            let k = g.flips.len();
            let up = g.flips.iter().filter(|&&i| sigma[i] > 0).count();
            k % 2 == 0 && (up == k / 2 || g.element_sigma(sigma).norm() <= 1e-14)
        })
    }

    /// Whether every off-diagonal element in the `σᶻ` basis is real and `≤ 0`
    /// (stoquastic: `−H` is then non-negative off the diagonal and, by Perron–Frobenius,
    /// has a ground state with non-negative amplitudes). Checked exactly on each group's
    /// support; a group on more than 20 sites is conservatively reported as not.
    pub fn is_stoquastic(&self) -> bool {
        self.every_off_diagonal(|g, sigma| {
            let e = g.element_sigma(sigma);
            e.im.abs() <= 1e-14 && e.re <= 1e-14
        })
    }

    /// Whether `holds(group, σ)` for every off-diagonal group and every configuration
    /// of the group's support (other sites up); `false` for a support over 20 sites.
    fn every_off_diagonal(&self, mut holds: impl FnMut(&FlipGroup, &[i8]) -> bool) -> bool {
        let mut sigma = vec![1i8; self.n_sites];
        self.groups.iter().all(|g| {
            let support = g.support();
            if support.len() > 20 {
                return false;
            }
            (0u64..1 << support.len()).all(|pattern| {
                for (t, &i) in support.iter().enumerate() {
                    sigma[i] = if pattern >> t & 1 == 1 { 1 } else { -1 };
                }
                holds(g, &sigma)
            })
        })
    }

    /// Whether `H` commutes with the symmetry `g` that moves site `i` to `perm[i]` and
    /// then, if `flip`, applies `F = Πᵢ σˣᵢ`. Each string `c Xˣ Zᶻ` becomes
    /// `c (−1)^{|z|·flip} X^{π(x)} Z^{π(z)}`; the transformed sum must equal the
    /// original term by term (to `1e-12` relative). Needs `N ≤ 64`.
    pub fn is_invariant(&self, perm: &[usize], flip: bool) -> bool {
        if self.n_sites > 64 || perm.len() != self.n_sites {
            return false;
        }
        let map = |mask: u64| -> u64 {
            (0..self.n_sites)
                .filter(|&i| mask >> i & 1 == 1)
                .fold(0u64, |m, i| m | 1 << perm[i])
        };
        let terms = |transform: bool| -> BTreeMap<(u64, u64), Complex64> {
            let mut out = BTreeMap::new();
            for g in std::iter::once(&self.diagonal).chain(&self.groups) {
                for &(z, c) in &g.terms {
                    let key = if transform {
                        (map(g.x_mask), map(z))
                    } else {
                        (g.x_mask, z)
                    };
                    let sign = if transform && flip && z.count_ones() % 2 == 1 {
                        -1.0
                    } else {
                        1.0
                    };
                    *out.entry(key).or_insert(Complex64::new(0.0, 0.0)) += c * sign;
                }
            }
            out
        };
        let (before, after) = (terms(false), terms(true));
        let scale = before.values().map(|c| c.norm()).fold(0.0, f64::max);
        let keys: std::collections::BTreeSet<(u64, u64)> =
            before.keys().chain(after.keys()).copied().collect();
        keys.into_iter().all(|k| {
            let a = before.get(&k).copied().unwrap_or_default();
            let b = after.get(&k).copied().unwrap_or_default();
            (a - b).norm() <= 1e-12 * scale
        })
    }

    /// Applies the Marshall sign rule: conjugation by `U = Π_{i∈B} σᶻᵢ` for the sites
    /// of sublattice `B` (`sublattice[i] == 1`). Each group whose flip mask touches `B`
    /// an odd number of times changes sign; the spectrum is unchanged.
    pub fn with_sign_rule(mut self, sublattice: &[u8]) -> Self {
        for g in &mut self.groups {
            let touched = g.flips.iter().filter(|&&i| sublattice[i] == 1).count();
            if touched % 2 == 1 {
                for (_, c) in &mut g.terms {
                    *c = -*c;
                }
            }
        }
        self.flattened()
    }
}

/// `(i, j, 2a)` if the group is a real exchange term `a(XᵢXⱼ + YᵢYⱼ)`-like on sites
/// `i < j`: terms `{(z = ∅, a), (z = {i, j}, −a)}`, non-zero only for antiparallel spins.
fn exchange_value(g: &FlipGroup) -> Option<(usize, usize, f64)> {
    if g.flips.len() != 2 || g.terms.len() != 2 {
        return None;
    }
    let (c0, c1) = (g.terms[0].1, g.terms[1].1);
    let real = c0.im == 0.0 && c1.im == 0.0;
    if !(real && g.z_sites[0].is_empty() && g.z_sites[1] == g.flips && c1.re == -c0.re) {
        return None;
    }
    Some((g.flips[0], g.flips[1], 2.0 * c0.re))
}

/// `(x sites, z sites, number of Y)` of a string, each sorted; validated.
fn site_sets(n_sites: usize, s: &PauliString, key: &str) -> Result<(Vec<usize>, Vec<usize>, u32)> {
    let ops: Vec<char> = s.ops.chars().collect();
    if ops.len() != s.sites.len() {
        return Err(Error::invalid(
            key,
            format!(
                "ops \"{}\" has {} letters but sites has {} entries; give one site per letter",
                s.ops,
                ops.len(),
                s.sites.len()
            ),
        ));
    }
    let (mut x, mut z, mut n_y) = (Vec::new(), Vec::new(), 0u32);
    let mut seen = std::collections::BTreeSet::new();
    for (&op, &site) in ops.iter().zip(&s.sites) {
        if site >= n_sites {
            return Err(Error::invalid(
                key,
                format!("site {site} is outside 0..{n_sites}"),
            ));
        }
        if !seen.insert(site) {
            return Err(Error::invalid(
                key,
                format!("site {site} appears twice; multiply the operators on one site first"),
            ));
        }
        match op.to_ascii_uppercase() {
            'I' => {}
            'X' => x.push(site),
            'Z' => z.push(site),
            'Y' => {
                x.push(site);
                z.push(site);
                n_y += 1;
            }
            other => {
                return Err(Error::invalid(
                    key,
                    format!("operator '{other}' is not one of I, X, Y, Z"),
                ))
            }
        }
    }
    x.sort_unstable();
    z.sort_unstable();
    Ok((x, z, n_y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(coeff: f64, ops: &str, sites: &[usize]) -> PauliString {
        PauliString {
            coeff,
            ops: ops.into(),
            sites: sites.to_vec(),
        }
    }

    #[test]
    fn single_site_paulis_act_as_matrices() {
        // Y|↑⟩ = i|↓⟩, Y|↓⟩ = −i|↑⟩ with bit 1 = up.
        let y = PauliSum::new(1, &[string(1.0, "Y", &[0])]).unwrap();
        let mut seen = Vec::new();
        y.for_each_connected_bits(1, |b, e| seen.push((b, e)));
        assert_eq!(seen[1], (0, Complex64::new(0.0, 1.0)));
        seen.clear();
        y.for_each_connected_bits(0, |b, e| seen.push((b, e)));
        assert_eq!(seen[1], (1, Complex64::new(0.0, -1.0)));
        assert!(!y.is_real());
        let z = PauliSum::new(1, &[string(2.0, "Z", &[0])]).unwrap();
        assert_eq!(z.diagonal_element(1), 2.0);
        assert_eq!(z.diagonal_element(0), -2.0);
    }

    #[test]
    fn xx_plus_yy_flips_only_antiparallel_pairs() {
        let op =
            PauliSum::new(2, &[string(1.0, "XX", &[0, 1]), string(1.0, "YY", &[0, 1])]).unwrap();
        assert!(op.is_real());
        assert!(op.conserves_magnetization());
        let mut elements = Vec::new();
        op.for_each_off_diagonal_real(0b01, |x, e| elements.push((x, e)));
        assert_eq!(elements, vec![(0b11, 2.0)]);
        elements.clear();
        op.for_each_off_diagonal_real(0b11, |x, e| elements.push((x, e)));
        assert!(elements.is_empty());
    }

    #[test]
    fn bad_strings_name_the_term() {
        let e = PauliSum::new(3, &[string(1.0, "XQ", &[0, 1])]).unwrap_err();
        assert!(e.to_string().contains("terms[0]"));
        assert!(PauliSum::new(3, &[string(1.0, "XX", &[0, 0])]).is_err());
        assert!(PauliSum::new(3, &[string(1.0, "X", &[3])]).is_err());
        assert!(PauliSum::new(3, &[string(1.0, "XX", &[0])]).is_err());
    }

    #[test]
    fn exchange_fast_path_equals_generic_groups() {
        // Exchange pairs at several distances (with and without the sign rule), mixed
        // with groups that are not exchange-like.
        let mut strings = Vec::new();
        for (i, j, c) in [
            (0, 1, 1.0),
            (1, 2, 0.7),
            (0, 5, -0.4),
            (2, 4, 0.3),
            (3, 9, 1.1),
        ] {
            strings.push(string(c, "XX", &[i, j]));
            strings.push(string(c, "YY", &[i, j]));
            strings.push(string(0.5 * c, "ZZ", &[i, j]));
        }
        strings.push(string(0.8, "XX", &[6, 7]));
        strings.push(string(-0.2, "YY", &[6, 7]));
        strings.push(string(0.6, "XZ", &[4, 8]));
        let plain = PauliSum::new(10, &strings).unwrap();
        let signed = plain
            .clone()
            .with_sign_rule(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
        for op in [plain, signed] {
            assert!(!op.exchange.is_empty());
            for b in 0..1u64 << 10 {
                let mut fast = Vec::new();
                op.for_each_off_diagonal_real(b, |x, e| fast.push((x, e)));
                let mut generic = Vec::new();
                op.for_each_off_diagonal(b, |x, e| generic.push((x, e.re)));
                fast.sort_by_key(|p| p.0);
                generic.sort_by_key(|p| p.0);
                assert_eq!(fast, generic, "state {b:b}");
                // The configuration-based path agrees with the bit-mask path.
                let mut sigma = [0i8; 10];
                crate::hilbert::unpack(b, &mut sigma);
                let mut by_sigma = Vec::new();
                op.for_each_flip_sigma_real(&sigma, |flips, e| {
                    let x = flips.iter().fold(0u64, |m, &i| m | 1 << i);
                    by_sigma.push((x, e));
                });
                let mut by_bits = Vec::new();
                op.for_each_connected_bits(b, |b2, e| by_bits.push((b ^ b2, e.re)));
                by_sigma.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
                by_bits.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
                assert_eq!(by_sigma, by_bits, "state {b:b}");
                assert_eq!(by_bits[0].1, op.diagonal_element(b));
            }
        }
    }

    #[test]
    fn transverse_field_breaks_magnetization() {
        let op = PauliSum::new(2, &[string(1.0, "X", &[0])]).unwrap();
        assert!(!op.conserves_magnetization());
        let xx = PauliSum::new(2, &[string(1.0, "XX", &[0, 1])]).unwrap();
        assert!(!xx.conserves_magnetization());
    }
}
