//! The basis of one symmetry sector: orbit representatives, their stabilizer sizes, and
//! an open-addressing hash table from representative to index.
//!
//! Representatives are found by running over the fixed-`Sᶻ` configurations (Gosper's
//! next-combination step, in colexicographic chunks that are enumerated in parallel
//! and concatenated in order) or over all `2ᴺ` configurations, keeping `s` when no
//! group element maps it to a smaller integer and the character is trivial on its
//! stabilizer. They come out sorted, whatever the number of threads.

use super::symmetry::Symmetry;
use crate::error::{Error, Result};
use crate::hilbert::binomial;
use rayon::prelude::*;

/// Configurations per parallel enumeration chunk.
const CHUNK: u64 = 1 << 18;

/// Representatives of one sector with an `O(1)` lookup.
pub struct SymmetricBasis<S: Symmetry> {
    group: S,
    n_up: Option<usize>,
    states: Vec<u64>,
    stabilizers: Vec<u16>,
    index: RepresentativeIndex,
}

impl<S: Symmetry> SymmetricBasis<S> {
    /// Enumerates the sector of `group` with `n_up` up spins (`None`: any number).
    /// Fails (naming `system.size`) when the representatives would need more than
    /// `max_bytes` of memory.
    pub fn new(group: S, n_up: Option<usize>, max_bytes: f64) -> Result<Self> {
        let n = group.n_sites();
        let configurations = match n_up {
            Some(k) => binomial(n, k),
            None => 1u64 << n,
        };
        // Representatives, stabilizers and hash slots: about 8 + 2 + 2·16 bytes each.
        let estimate = configurations as f64 / group.order() as f64 * 42.0;
        if estimate > max_bytes {
            return Err(Error::invalid(
                "system.size",
                format!(
                    "the sector basis of {n} sites needs about {:.1} GiB, more than the {:.1} GiB \
                     available; use fewer sites or more symmetries",
                    estimate / 1073741824.0,
                    max_bytes / 1073741824.0
                ),
            ));
        }
        let chunks = configurations.div_ceil(CHUNK);
        let found: Vec<(Vec<u64>, Vec<u16>)> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                let first = c * CHUNK;
                let count = CHUNK.min(configurations - first);
                let mut states = Vec::new();
                let mut stabilizers = Vec::new();
                for_each_configuration(n, n_up, first, count, |s| {
                    if let Some(size) = group.stabilizer(s) {
                        states.push(s);
                        stabilizers.push(size as u16);
                    }
                });
                (states, stabilizers)
            })
            .collect();
        let dim: usize = found.iter().map(|(s, _)| s.len()).sum();
        let mut states = Vec::with_capacity(dim);
        let mut stabilizers = Vec::with_capacity(dim);
        for (s, t) in found {
            states.extend(s);
            stabilizers.extend(t);
        }
        let index = RepresentativeIndex::new(&states);
        Ok(Self {
            group,
            n_up,
            states,
            stabilizers,
            index,
        })
    }

    /// Number of symmetric basis states.
    pub fn dim(&self) -> usize {
        self.states.len()
    }

    /// The group and its character.
    pub fn group(&self) -> &S {
        &self.group
    }

    /// Number of up spins, if fixed.
    pub fn n_up(&self) -> Option<usize> {
        self.n_up
    }

    /// Representative of basis state `i`.
    #[inline]
    pub fn state(&self, i: usize) -> u64 {
        self.states[i]
    }

    /// The representatives in basis order (ascending).
    pub fn states(&self) -> &[u64] {
        &self.states
    }

    /// `|Stab aᵢ|`: the norm of `Σ_g χ(g)* g|aᵢ⟩` is `√(|G|·|Stab aᵢ|)`.
    #[inline]
    pub fn stabilizer(&self, i: usize) -> u32 {
        u32::from(self.stabilizers[i])
    }

    /// Number of configurations in the orbit of basis state `i`: `|G| / |Stab aᵢ|`.
    pub fn orbit_size(&self, i: usize) -> usize {
        self.group.order() / self.stabilizer(i) as usize
    }

    /// Index of a representative, or `None` if it is not in the basis (its symmetric
    /// state vanishes in this sector).
    #[inline]
    pub fn index_of(&self, representative: u64) -> Option<usize> {
        self.index.find(representative)
    }

    /// `(index, g*)` of the basis state whose orbit holds configuration `s`, with
    /// `g*(s)` the representative; `None` if that orbit has no state in this sector.
    #[inline]
    pub fn locate(&self, s: u64) -> Option<(usize, usize)> {
        let (rep, g) = self.group.representative(s);
        self.index.find(rep).map(|i| (i, g))
    }
}

/// Calls `f` on `count` configurations starting at colexicographic rank `first` (all
/// configurations of `n` bits when `n_up` is `None`, where the rank is the value).
fn for_each_configuration(
    n: usize,
    n_up: Option<usize>,
    first: u64,
    count: u64,
    mut f: impl FnMut(u64),
) {
    let Some(k) = n_up else {
        (first..first + count).for_each(f);
        return;
    };
    if k == 0 {
        f(0);
        return;
    }
    let mut s = unrank_colex(first, n, k);
    for step in 0..count {
        f(s);
        if step + 1 < count {
            // Gosper's hack: the next larger integer with the same number of set bits.
            let c = s & s.wrapping_neg();
            let r = s + c;
            s = (((r ^ s) >> 2) / c) | r;
        }
    }
}

/// The configuration of `k` set bits among `n` with colexicographic rank `rank`
/// (`rank = Σₜ C(pₜ, t)` over the set bits `p₁ < … < p_k`): numeric order.
fn unrank_colex(mut rank: u64, n: usize, k: usize) -> u64 {
    let mut s = 0u64;
    let mut p = n;
    for t in (1..=k).rev() {
        p -= 1;
        while binomial(p, t) > rank {
            p -= 1;
        }
        s |= 1 << p;
        rank -= binomial(p, t);
    }
    s
}

/// Linear-probing hash table from representative to index, load factor ≤ 1/2. With
/// `N ≤ 32` and fewer than `2³²` states a slot packs both in one `u64`
/// (`rep << 32 | index`), so a lookup touches one cache line.
enum RepresentativeIndex {
    Packed { shift: u32, slots: Vec<u64> },
    Wide { shift: u32, slots: Vec<(u64, u32)> },
}

const EMPTY: u64 = u64::MAX;

#[inline(always)]
fn slot_of(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

impl RepresentativeIndex {
    fn new(states: &[u64]) -> Self {
        let bits = (2 * states.len())
            .max(2)
            .next_power_of_two()
            .trailing_zeros();
        let shift = 64 - bits;
        let size = 1usize << bits;
        let fits = states.last().is_none_or(|&s| s < 1 << 32) && states.len() < (1 << 32) - 1;
        if fits {
            let mut slots = vec![EMPTY; size];
            for (i, &s) in states.iter().enumerate() {
                let mut h = slot_of(s, shift);
                while slots[h] != EMPTY {
                    h = (h + 1) & (size - 1);
                }
                slots[h] = (s << 32) | i as u64;
            }
            RepresentativeIndex::Packed { shift, slots }
        } else {
            let mut slots = vec![(EMPTY, 0u32); size];
            for (i, &s) in states.iter().enumerate() {
                let mut h = slot_of(s, shift);
                while slots[h].0 != EMPTY {
                    h = (h + 1) & (size - 1);
                }
                slots[h] = (s, i as u32);
            }
            RepresentativeIndex::Wide { shift, slots }
        }
    }

    #[inline(always)]
    fn find(&self, key: u64) -> Option<usize> {
        match self {
            RepresentativeIndex::Packed { shift, slots } => {
                let mut h = slot_of(key, *shift);
                loop {
                    let slot = slots[h];
                    if slot == EMPTY {
                        return None;
                    }
                    if slot >> 32 == key {
                        return Some((slot & 0xFFFF_FFFF) as usize);
                    }
                    h = (h + 1) & (slots.len() - 1);
                }
            }
            RepresentativeIndex::Wide { shift, slots } => {
                let mut h = slot_of(key, *shift);
                loop {
                    let (k, i) = slots[h];
                    if k == EMPTY {
                        return None;
                    }
                    if k == key {
                        return Some(i as usize);
                    }
                    h = (h + 1) & (slots.len() - 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::symmetry::{ChainSymmetry, Sector};
    use super::*;

    #[test]
    fn colex_unranking_inverts_the_numeric_order() {
        for (n, k) in [(10usize, 5usize), (12, 3), (7, 7), (9, 1)] {
            let mut s = (1u64 << k) - 1;
            for rank in 0..binomial(n, k) {
                assert_eq!(unrank_colex(rank, n, k), s, "n={n} k={k} rank={rank}");
                if rank + 1 < binomial(n, k) {
                    let c = s & s.wrapping_neg();
                    let r = s + c;
                    s = (((r ^ s) >> 2) / c) | r;
                }
            }
        }
    }

    #[test]
    fn orbits_partition_the_sector() {
        // Σ over representatives of orbit sizes = C(N, N/2) when the character is
        // trivial (every orbit has a non-zero symmetric state).
        for n in [10usize, 12] {
            let sector = Sector {
                momentum: Some(0),
                momentum_y: None,
                parity: Some(1),
                flip: Some(1),
            };
            let basis = SymmetricBasis::new(
                ChainSymmetry::new(n, true, sector).unwrap(),
                Some(n / 2),
                1e9,
            )
            .unwrap();
            let total: usize = (0..basis.dim()).map(|i| basis.orbit_size(i)).sum();
            assert_eq!(total as u64, binomial(n, n / 2));
            for i in 0..basis.dim() {
                assert_eq!(basis.index_of(basis.state(i)), Some(i));
                assert!(i == 0 || basis.state(i - 1) < basis.state(i));
            }
            assert_eq!(basis.index_of(1 << 40), None);
        }
    }
}
