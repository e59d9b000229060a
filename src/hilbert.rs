//! Spin-½ Hilbert spaces: configurations, the fixed-magnetization constraint, and
//! the enumeration and ranking of a basis shared by exact diagonalization and exact
//! samplers.
//!
//! A configuration is a slice of `σᵢ = ±1` (`i8`), `σᵢ = +1` meaning spin up
//! (`σᶻ` eigenvalue +1). The same configuration packed in a `u64` has bit `i` set
//! when site `i` is up. The total magnetization is `Sᶻ = Σᵢ σᵢ / 2` (units of ħ), so
//! a sector with `n_up` up spins has `Sᶻ = n_up − N/2`.
//!
//! Basis states of a fixed-`Sᶻ` sector are ordered colexicographically (equivalently,
//! by increasing packed value); the rank of a state with up spins at `p₀ < p₁ < …` is
//! the combinatorial number `Σₖ C(pₖ, k+1)`. Up to 32 sites it is read from two
//! tables indexed by the low and high halves of the packed state (Lin's method); above,
//! one byte at a time, so ranking costs `⌈N/8⌉` look-ups.

use crate::error::{Error, Result};
use crate::lattice::MAX_SITES;

/// Spin-½ Hilbert space of `N` sites, optionally restricted to fixed `Sᶻ`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpinHilbert {
    n_sites: usize,
    n_up: Option<usize>,
}

impl SpinHilbert {
    /// The full space of `n_sites` spins.
    pub fn full(n_sites: usize) -> Result<Self> {
        check_sites(n_sites)?;
        Ok(Self {
            n_sites,
            n_up: None,
        })
    }

    /// The sector of total magnetization `total_sz` (Σσᶻ/2, a multiple of ½).
    pub fn with_total_sz(n_sites: usize, total_sz: f64) -> Result<Self> {
        check_sites(n_sites)?;
        let twice = 2.0 * total_sz;
        let n = n_sites as f64;
        if !twice.is_finite() || twice.fract() != 0.0 {
            return Err(Error::invalid(
                "system.total_sz",
                format!("{total_sz} is not a multiple of 1/2"),
            ));
        }
        // n_up − n_down = 2 Sz and n_up + n_down = N.
        let n_up2 = n + twice;
        if n_up2 < 0.0 || n_up2 > 2.0 * n || n_up2.rem_euclid(2.0) != 0.0 {
            let allowed = if n_sites % 2 == 0 {
                "an integer"
            } else {
                "a half-integer such as 0.5"
            };
            return Err(Error::invalid(
                "system.total_sz",
                format!(
                    "Sz = {total_sz} is impossible on {n_sites} spin-1/2 sites; \
                     Sz must be {allowed} with |Sz| <= {}",
                    n / 2.0
                ),
            ));
        }
        Ok(Self {
            n_sites,
            n_up: Some((n_up2 / 2.0) as usize),
        })
    }

    /// The sector closest to zero magnetization: `Sᶻ = 0` (even `N`) or `½` (odd `N`).
    pub fn lowest_sz(n_sites: usize) -> Result<Self> {
        check_sites(n_sites)?;
        Ok(Self {
            n_sites,
            n_up: Some(n_sites.div_ceil(2)),
        })
    }

    /// Number of sites `N`.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// Number of up spins if the magnetization is fixed.
    pub fn n_up(&self) -> Option<usize> {
        self.n_up
    }

    /// Fixed total `Sᶻ = n_up − N/2`, if any.
    pub fn total_sz(&self) -> Option<f64> {
        self.n_up.map(|u| u as f64 - self.n_sites as f64 / 2.0)
    }

    /// Number of basis states: `2ᴺ` or `C(N, n_up)`, as `f64` (infinite beyond ~1e308).
    pub fn dimension(&self) -> f64 {
        match self.n_up {
            None => 2f64.powi(self.n_sites as i32),
            Some(k) if self.n_sites <= 64 => binomial(self.n_sites, k) as f64,
            Some(k) => {
                let k = k.min(self.n_sites - k);
                (0..k).fold(1.0, |c, i| c * (self.n_sites - i) as f64 / (i + 1) as f64)
            }
        }
    }

    /// Human label of the sector, e.g. `Sz=0` or `full`.
    pub fn sector_label(&self) -> String {
        match self.total_sz() {
            None => "full".to_string(),
            Some(sz) => format!("Sz={}", format_half(sz)),
        }
    }

    /// Whether a configuration belongs to this space.
    pub fn contains(&self, sigma: &[i8]) -> bool {
        sigma.len() == self.n_sites
            && sigma.iter().all(|&s| s == 1 || s == -1)
            && self
                .n_up
                .is_none_or(|k| sigma.iter().filter(|&&s| s == 1).count() == k)
    }
}

fn check_sites(n: usize) -> Result<()> {
    if n == 0 || n > MAX_SITES {
        return Err(Error::invalid(
            "system.size",
            format!("{n} sites; spin-1/2 spaces need 1 to {MAX_SITES} sites"),
        ));
    }
    Ok(())
}

/// Writes a multiple of ½ as `0`, `1`, `-1/2`, `3/2`.
pub fn format_half(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{}/2", (2.0 * x) as i64)
    }
}

/// Largest number of sites whose configurations pack into a `u64` (exact
/// diagonalization, exact enumeration).
pub const MAX_PACKED_SITES: usize = 64;

/// Packs `σ` (±1, at most 64 sites) into a `u64`, bit `i` set for `σᵢ = +1`.
pub fn pack(sigma: &[i8]) -> u64 {
    debug_assert!(sigma.len() <= MAX_PACKED_SITES);
    sigma.iter().enumerate().fold(
        0u64,
        |acc, (i, &s)| if s > 0 { acc | (1 << i) } else { acc },
    )
}

/// Unpacks the `n` lowest bits of `bits` into `σ` (±1).
pub fn unpack(bits: u64, sigma: &mut [i8]) {
    for (i, s) in sigma.iter_mut().enumerate() {
        *s = if bits >> i & 1 == 1 { 1 } else { -1 };
    }
}

/// Binomial coefficient `C(n, k)` for `n ≤ 64` (exact in `u64`).
pub fn binomial(n: usize, k: usize) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
    }
    c as u64
}

/// Enumerated basis of a [`SpinHilbert`] with table-driven ranking.
#[derive(Clone, Debug)]
pub struct Basis {
    n_sites: usize,
    n_up: Option<usize>,
    dim: usize,
    /// Packed states in rank order (empty for the full space, where rank = packed value).
    states: Vec<u64>,
    ranker: Ranker,
}

/// How a fixed-`Sᶻ` state is ranked.
#[derive(Clone, Debug)]
enum Ranker {
    /// Full space: rank = packed value.
    Identity,
    /// `N ≤ 32` (Lin's two tables): states sorted numerically are sorted by their
    /// high half, then their low half, so `rank = offset[hi] + low_rank[lo]`.
    Split {
        low_bits: u32,
        low_rank: Vec<u32>,
        offset: Vec<u32>,
    },
    /// Any `N ≤ 64`: `table[(chunk · (n_up+1) + k) · 256 + byte]` is the rank
    /// contribution of `byte` in `chunk` when `k` up spins lie below it.
    Bytes { stride: usize, table: Vec<u64> },
}

/// Colexicographic rank `Σₜ C(pₜ, t+1)` of the set bits `p₀ < p₁ < …` of `bits`,
/// counting `below` set bits under position `first`.
fn colex_rank(bits: u64, first: usize, below: usize) -> u64 {
    let mut rank = 0u64;
    let mut count = below;
    for t in 0..64 - first.min(63) {
        if bits >> t & 1 == 1 {
            count += 1;
            rank += binomial(first + t, count);
        }
    }
    rank
}

impl Ranker {
    fn new(n: usize, k_up: usize) -> Self {
        if n <= 32 {
            let low_bits = (n / 2) as u32;
            let high_bits = n as u32 - low_bits;
            let low_rank = (0..1u64 << low_bits)
                .map(|lo| colex_rank(lo, 0, 0) as u32)
                .collect();
            let mut offset = Vec::with_capacity(1 << high_bits);
            let mut total = 0u64;
            for hi in 0..1u64 << high_bits {
                offset.push(total as u32);
                let need = k_up as i64 - hi.count_ones() as i64;
                if (0..=low_bits as i64).contains(&need) {
                    total += binomial(low_bits as usize, need as usize);
                }
            }
            return Ranker::Split {
                low_bits,
                low_rank,
                offset,
            };
        }
        let n_chunks = n.div_ceil(8);
        let stride = k_up + 1;
        let mut table = vec![0u64; n_chunks * stride * 256];
        for chunk in 0..n_chunks {
            for below in 0..=k_up {
                for byte in 0..256u64 {
                    table[(chunk * stride + below) * 256 + byte as usize] =
                        colex_rank(byte, 8 * chunk, below);
                }
            }
        }
        Ranker::Bytes { stride, table }
    }
}

impl Basis {
    /// Enumerates the basis. Fails when the dimension does not fit in memory
    /// (more than `max_dim` states).
    pub fn new(space: &SpinHilbert, max_dim: usize) -> Result<Self> {
        let n = space.n_sites;
        if n > MAX_PACKED_SITES {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "{n} sites: exact enumeration handles at most {MAX_PACKED_SITES} sites; \
                     use variational Monte Carlo (hamlet ground-state) for larger systems"
                ),
            ));
        }
        let d = space.dimension();
        if d > max_dim as f64 {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "the {} space of {n} sites has {d:.3e} states, more than the {max_dim} \
                     this run can hold; use fewer sites or a fixed system.total_sz",
                    space.sector_label()
                ),
            ));
        }
        let dim = d as usize;
        let Some(k_up) = space.n_up else {
            return Ok(Self {
                n_sites: n,
                n_up: None,
                dim,
                states: Vec::new(),
                ranker: Ranker::Identity,
            });
        };
        let mut states = Vec::with_capacity(dim);
        if k_up == 0 {
            states.push(0);
        } else {
            // Gosper's hack: next integer with the same number of set bits.
            let mut v: u64 = if k_up == 64 {
                u64::MAX
            } else {
                (1u64 << k_up) - 1
            };
            let limit_bit = n as u32;
            loop {
                states.push(v);
                if v == u64::MAX {
                    break;
                }
                let c = v & v.wrapping_neg();
                let r = v.wrapping_add(c);
                if r == 0 {
                    break;
                }
                v = (((r ^ v) >> 2) / c) | r;
                if limit_bit < 64 && v >> limit_bit != 0 {
                    break;
                }
            }
        }
        debug_assert_eq!(states.len(), dim);
        Ok(Self {
            n_sites: n,
            n_up: Some(k_up),
            dim,
            states,
            ranker: Ranker::new(n, k_up),
        })
    }

    /// Number of basis states.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of sites.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// Packed state of rank `i`.
    #[inline]
    pub fn state(&self, i: usize) -> u64 {
        if self.n_up.is_some() {
            self.states[i]
        } else {
            i as u64
        }
    }

    /// Rank of a packed state that belongs to the space.
    #[inline]
    pub fn index(&self, bits: u64) -> usize {
        match &self.ranker {
            Ranker::Identity => bits as usize,
            Ranker::Split {
                low_bits,
                low_rank,
                offset,
            } => {
                let lo = (bits & ((1u64 << low_bits) - 1)) as usize;
                offset[(bits >> low_bits) as usize] as usize + low_rank[lo] as usize
            }
            Ranker::Bytes { stride, table } => {
                let mut rank = 0u64;
                let mut below = 0usize;
                let mut rest = bits;
                let mut chunk = 0;
                while rest != 0 {
                    let byte = (rest & 0xff) as usize;
                    rank += table[(chunk * stride + below) * 256 + byte];
                    below += byte.count_ones() as usize;
                    rest >>= 8;
                    chunk += 1;
                }
                rank as usize
            }
        }
    }

    /// Whether a packed state belongs to the space.
    pub fn contains(&self, bits: u64) -> bool {
        let in_range = self.n_sites == 64 || bits >> self.n_sites == 0;
        in_range && self.n_up.is_none_or(|k| bits.count_ones() as usize == k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_ranks_are_a_bijection_in_increasing_order() {
        for n in [1usize, 5, 8, 9, 12] {
            for k in 0..=n {
                let space = SpinHilbert::with_total_sz(n, k as f64 - n as f64 / 2.0).unwrap();
                let basis = Basis::new(&space, 1 << 20).unwrap();
                assert_eq!(basis.dim() as u64, binomial(n, k));
                let mut prev = None;
                for i in 0..basis.dim() {
                    let s = basis.state(i);
                    assert_eq!(s.count_ones() as usize, k);
                    assert!(s >> n == 0);
                    assert_eq!(basis.index(s), i);
                    assert!(prev.is_none_or(|p| p < s));
                    prev = Some(s);
                }
            }
        }
    }

    #[test]
    fn byte_table_ranks_beyond_32_sites() {
        for (n, k) in [(34usize, 2usize), (40, 3), (64, 1), (64, 63), (33, 0)] {
            let space = SpinHilbert::with_total_sz(n, k as f64 - n as f64 / 2.0).unwrap();
            let basis = Basis::new(&space, 1 << 20).unwrap();
            assert_eq!(basis.dim() as u64, binomial(n, k));
            for i in 0..basis.dim() {
                let s = basis.state(i);
                assert_eq!(s.count_ones() as usize, k);
                assert_eq!(basis.index(s), i, "n={n} k={k} state {s:b}");
            }
        }
    }

    #[test]
    fn full_space_rank_is_identity() {
        let basis = Basis::new(&SpinHilbert::full(6).unwrap(), 1 << 20).unwrap();
        assert_eq!(basis.dim(), 64);
        assert_eq!(basis.index(37), 37);
        assert_eq!(basis.state(37), 37);
    }

    #[test]
    fn impossible_sectors_are_rejected() {
        assert!(SpinHilbert::with_total_sz(5, 0.0).is_err());
        assert!(SpinHilbert::with_total_sz(4, 0.5).is_err());
        assert!(SpinHilbert::with_total_sz(4, 3.0).is_err());
        assert!(SpinHilbert::with_total_sz(4, 0.3).is_err());
        assert_eq!(SpinHilbert::with_total_sz(5, -0.5).unwrap().n_up(), Some(2));
        let msg = SpinHilbert::with_total_sz(5, 0.0).unwrap_err().to_string();
        assert!(msg.contains("system.total_sz"), "{msg}");
    }

    #[test]
    fn pack_and_unpack_round_trip() {
        let s = [1i8, -1, -1, 1, 1];
        let b = pack(&s);
        assert_eq!(b, 0b11001);
        let mut t = [0i8; 5];
        unpack(b, &mut t);
        assert_eq!(s, t);
    }

    #[test]
    fn binomials() {
        assert_eq!(binomial(24, 12), 2_704_156);
        assert_eq!(binomial(64, 32), 1_832_624_140_942_590_534);
        assert_eq!(binomial(3, 5), 0);
    }
}
