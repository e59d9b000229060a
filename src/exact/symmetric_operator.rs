//! A Hamiltonian in one symmetry sector, applied in parallel, on the fly or from stored
//! connections.
//!
//! With `|a⟩ = (|G|·|Stab a|)^{−1/2} Σ_g χ(g)* g|a⟩` and `H` commuting with `G`, row `a` is
//!
//! `(H x)_a = Σ_{b'} ⟨a|H|b'⟩ χ(g*_{b'}) √(|Stab b| / |Stab a|) x_b`,
//!
//! summed over the configurations `b'` connected to the representative `a` (the
//! diagonal included), where `g*_{b'}` maps `b'` to its representative `b`. The factor
//! is applied as `D⁻¹ K D` with `D = diag √|Stab|`: `z = D x` is formed once per
//! product, so a row reads one element of `z` per connection.
//!
//! Finding `b` and `g*` (the smallest of `|G|` images, then a hash lookup) is most of
//! the cost on the fly. [`SymmetricOperator::store_connections`] does it once and keeps,
//! per connection, the index of `b` (`u32`) and `g*` (`u8`): five bytes, against twelve
//! for a sparse matrix, because the element `⟨a|H|b'⟩` itself is recomputed from `a`
//! (a few bit operations). Rows are independent, so results do not depend on the
//! number of threads.

use super::lanczos::HermitianOperator;
use super::symmetric_basis::SymmetricBasis;
use super::symmetry::Symmetry;
use crate::operator::PauliSum;
use crate::scalar::Scalar;
use num_complex::Complex64;
use rayon::prelude::*;

/// Rows per parallel task (and per stored chunk).
const ROWS: usize = 1 << 11;

/// A stored connection whose orbit has no state in the sector.
const ABSENT: u32 = u32::MAX;

/// `H` restricted to a symmetric basis.
pub struct SymmetricOperator<'a, S: Symmetry> {
    op: &'a PauliSum,
    basis: &'a SymmetricBasis<S>,
    /// `√|Stab aᵢ|`.
    root_stabilizer: Vec<f64>,
    /// Per chunk of `ROWS` rows: target index and group element of every connection,
    /// in the order the operator lists them.
    stored: Option<Vec<(Vec<u32>, Vec<u8>)>>,
}

impl<'a, S: Symmetry> SymmetricOperator<'a, S> {
    /// `op` on `basis`; the caller has checked that `op` commutes with the group.
    pub fn new(op: &'a PauliSum, basis: &'a SymmetricBasis<S>) -> Self {
        let root_stabilizer = (0..basis.dim())
            .map(|i| f64::from(basis.stabilizer(i)).sqrt())
            .collect();
        Self {
            op,
            basis,
            root_stabilizer,
            stored: None,
        }
    }

    /// Bytes that [`Self::store_connections`] would take (estimated from the first rows),
    /// or `None` if the indices do not fit its format (`≥ 2³²` states or `|G| > 256`).
    pub fn stored_bytes<T: Scalar>(&self) -> Option<f64> {
        let dim = self.basis.dim();
        if dim >= ABSENT as usize || self.basis.group().order() > 256 || dim == 0 {
            return None;
        }
        let sample = dim.min(4096);
        let step = dim / sample;
        let connections: usize = (0..sample)
            .map(|s| {
                let mut count = 0;
                T::for_each_row_element(self.op, self.basis.state(s * step), |_, _| count += 1);
                count
            })
            .sum();
        Some(connections as f64 / sample as f64 * dim as f64 * 5.0)
    }

    /// Finds and keeps the target of every connection; later products read them
    /// instead of searching. `T` must be the amplitude type used afterwards.
    pub fn store_connections<T: Scalar>(&mut self) {
        let (op, basis) = (self.op, self.basis);
        let chunks = (0..basis.dim().div_ceil(ROWS))
            .into_par_iter()
            .map(|c| {
                let rows = c * ROWS..((c + 1) * ROWS).min(basis.dim());
                let mut targets = Vec::new();
                let mut elements = Vec::new();
                for i in rows {
                    let a = basis.state(i);
                    T::for_each_row_element(op, a, |flip, _| match basis.locate(a ^ flip) {
                        Some((j, g)) => {
                            targets.push(j as u32);
                            elements.push(g as u8);
                        }
                        None => {
                            targets.push(ABSENT);
                            elements.push(0);
                        }
                    });
                }
                targets.shrink_to_fit();
                elements.shrink_to_fit();
                (targets, elements)
            })
            .collect();
        self.stored = Some(chunks);
    }

    /// Whether connections are stored.
    pub fn is_stored(&self) -> bool {
        self.stored.is_some()
    }

    fn apply_generic<T: Scalar>(&self, x: &[T], y: &mut [T]) {
        let characters: Vec<T> = (0..self.basis.group().order())
            .map(|g| T::from_c64(self.basis.group().character(g)))
            .collect();
        let mut z = vec![T::default(); x.len()];
        z.par_chunks_mut(ROWS)
            .zip(x.par_chunks(ROWS))
            .zip(self.root_stabilizer.par_chunks(ROWS))
            .for_each(|((z, x), d)| {
                for ((zi, &xi), &di) in z.iter_mut().zip(x).zip(d) {
                    *zi = xi * di;
                }
            });
        let (op, basis) = (self.op, self.basis);
        y.par_chunks_mut(ROWS).enumerate().for_each(|(c, rows)| {
            let first = c * ROWS;
            let stored = self.stored.as_ref().map(|s| (&s[c].0, &s[c].1));
            let mut k = 0;
            for (r, yr) in rows.iter_mut().enumerate() {
                let i = first + r;
                let a = basis.state(i);
                let mut acc = z[i] * op.diagonal_element(a);
                match stored {
                    Some((targets, elements)) => T::for_each_row_element(op, a, |_, e| {
                        let j = targets[k];
                        if j != ABSENT {
                            acc += e * characters[elements[k] as usize] * z[j as usize];
                        }
                        k += 1;
                    }),
                    None => T::for_each_row_element(op, a, |flip, e| {
                        if let Some((j, g)) = basis.locate(a ^ flip) {
                            acc += e * characters[g] * z[j];
                        }
                    }),
                }
                *yr = acc * (1.0 / self.root_stabilizer[i]);
            }
        });
    }
}

impl<S: Symmetry> HermitianOperator<f64> for SymmetricOperator<'_, S> {
    fn dim(&self) -> usize {
        self.basis.dim()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        self.apply_generic(x, y);
    }
}

impl<S: Symmetry> HermitianOperator<Complex64> for SymmetricOperator<'_, S> {
    fn dim(&self) -> usize {
        self.basis.dim()
    }
    fn apply(&self, x: &[Complex64], y: &mut [Complex64]) {
        self.apply_generic(x, y);
    }
}
