//! Exact restart of a VMC run: everything the next iteration depends on, namely the
//! parameters, the optimizer state (Adam moments, step count), every Markov chain's
//! configuration, generator state and burn-in flag, and the iteration count. A run
//! restored from a checkpoint produces bit-identical parameters and energies to one
//! that never stopped.
//!
//! In the output file the checkpoint is the group `/vmc/checkpoint`: attributes
//! `iteration` and `optimizer_steps`; datasets `parameters`, `adam_moment1`
//! (`float64` or `complex128`), `adam_moment2`, `chain_sigma` (`int8`,
//! chains × sites), `chain_rng` (`uint64`, chains × 4: xoshiro256++ state) and
//! `chain_thermalized` (`int8`).

use super::driver::Vmc;
use crate::ansatz::Ansatz;
use crate::error::{Error, Result};
use crate::io::h5::{Attr, Data, Group};
use crate::sampler::Chain;
use crate::scalar::Scalar;
use num_complex::Complex64;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The state of one Markov chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainState {
    /// Configuration.
    pub sigma: Vec<i8>,
    /// xoshiro256++ state words.
    pub rng: [u64; 4],
    /// Whether the initial burn-in is done.
    pub thermalized: bool,
}

/// Everything needed to continue a run exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Iterations completed.
    pub iteration: usize,
    /// Parameters (real ones with zero imaginary part).
    pub parameters: Vec<Complex64>,
    /// Whether the parameters are complex (decides the stored dtype).
    pub complex: bool,
    /// Adam's first moments (empty for other optimizers).
    pub moment1: Vec<Complex64>,
    /// Adam's second moments.
    pub moment2: Vec<f64>,
    /// Updates made by the optimizer.
    pub optimizer_steps: u64,
    /// Markov chains (empty for exact enumeration).
    pub chains: Vec<ChainState>,
}

fn rng_state(rng: &Xoshiro256PlusPlus) -> [u64; 4] {
    let value = serde_json::to_value(rng).expect("xoshiro256++ serializes");
    let words: Vec<u64> = serde_json::from_value(value["s"].clone()).expect("four state words");
    words.try_into().expect("four state words")
}

fn rng_from_state(state: [u64; 4]) -> Xoshiro256PlusPlus {
    serde_json::from_value(serde_json::json!({ "s": state })).expect("xoshiro256++ deserializes")
}

impl<A: Ansatz> Vmc<A> {
    /// The state needed to continue this run exactly.
    pub fn checkpoint(&self) -> Checkpoint {
        let (m1, m2, steps) = self.optimizer().state();
        Checkpoint {
            iteration: self.iteration(),
            parameters: self.ansatz.params().iter().map(|p| p.to_c64()).collect(),
            complex: A::T::COMPLEX,
            moment1: m1.iter().map(|m| m.to_c64()).collect(),
            moment2: m2.to_vec(),
            optimizer_steps: steps,
            chains: self
                .sampler()
                .chains()
                .iter()
                .map(|c| ChainState {
                    sigma: c.sigma.clone(),
                    rng: rng_state(&c.rng),
                    thermalized: c.thermalized,
                })
                .collect(),
        }
    }

    /// Continues from `checkpoint`, which must come from a run of the same deck.
    pub fn restore(&mut self, checkpoint: &Checkpoint) -> Result<()> {
        if checkpoint.parameters.len() != self.ansatz.n_params()
            || checkpoint.complex != A::T::COMPLEX
        {
            return Err(Error::invalid(
                "checkpoint",
                format!(
                    "holds {} {} parameters, but the deck's ansatz has {} {}",
                    checkpoint.parameters.len(),
                    if checkpoint.complex {
                        "complex"
                    } else {
                        "real"
                    },
                    self.ansatz.n_params(),
                    if A::T::COMPLEX { "complex" } else { "real" }
                ),
            ));
        }
        let params: Vec<A::T> = checkpoint
            .parameters
            .iter()
            .map(|&z| A::T::from_c64(z))
            .collect();
        self.ansatz.set_params(&params);
        self.restore_optimizer(
            checkpoint
                .moment1
                .iter()
                .map(|&z| A::T::from_c64(z))
                .collect(),
            checkpoint.moment2.clone(),
            checkpoint.optimizer_steps,
        );
        let chains = checkpoint
            .chains
            .iter()
            .map(|c| Chain {
                sigma: c.sigma.clone(),
                rng: rng_from_state(c.rng),
                thermalized: c.thermalized,
            })
            .collect();
        self.restore_sampler(chains)?;
        self.set_iteration(checkpoint.iteration);
        Ok(())
    }
}

impl Checkpoint {
    /// Writes the checkpoint into `group` (replacing what was there).
    pub fn write(&self, group: &mut Group) {
        *group = Group::default();
        group.set_attr("iteration", Attr::Int(self.iteration as i64));
        group.set_attr("optimizer_steps", Attr::Int(self.optimizer_steps as i64));
        let values = |v: &[Complex64]| {
            if self.complex {
                Data::Complex(v.to_vec())
            } else {
                Data::Float(v.iter().map(|z| z.re).collect())
            }
        };
        group.set_vector("parameters", values(&self.parameters));
        group.set_vector("adam_moment1", values(&self.moment1));
        group.set_vector("adam_moment2", Data::Float(self.moment2.clone()));
        let n_chains = self.chains.len();
        let n_sites = self.chains.first().map_or(0, |c| c.sigma.len());
        group.set_array(
            "chain_sigma",
            Data::Byte(self.chains.iter().flat_map(|c| c.sigma.clone()).collect()),
            vec![n_chains, n_sites],
        );
        group.set_array(
            "chain_rng",
            Data::UInt(self.chains.iter().flat_map(|c| c.rng).collect()),
            vec![n_chains, 4],
        );
        group.set_vector(
            "chain_thermalized",
            Data::Byte(
                self.chains
                    .iter()
                    .map(|c| i8::from(c.thermalized))
                    .collect(),
            ),
        );
    }

    /// Reads a checkpoint written by [`Self::write`]; `origin` names the file in errors.
    pub fn read(group: &Group, origin: &str) -> Result<Self> {
        let bad = |what: &str| {
            Error::invalid(
                "checkpoint",
                format!("{origin}: /vmc/checkpoint is damaged or incomplete ({what})"),
            )
        };
        let int = |name: &str| match group.attrs.get(name) {
            Some(Attr::Int(x)) if *x >= 0 => Ok(*x as u64),
            _ => Err(bad(name)),
        };
        let dataset = |name: &str| group.datasets.get(name).ok_or_else(|| bad(name));
        let (parameters, complex) = match &dataset("parameters")?.data {
            Data::Complex(v) => (v.clone(), true),
            Data::Float(v) => (v.iter().map(|&x| Complex64::new(x, 0.0)).collect(), false),
            _ => return Err(bad("parameters")),
        };
        let moment1 = match &dataset("adam_moment1")?.data {
            Data::Complex(v) => v.clone(),
            Data::Float(v) => v.iter().map(|&x| Complex64::new(x, 0.0)).collect(),
            _ => return Err(bad("adam_moment1")),
        };
        let Data::Float(moment2) = &dataset("adam_moment2")?.data else {
            return Err(bad("adam_moment2"));
        };
        let sigma = dataset("chain_sigma")?;
        let (Data::Byte(sigma_values), &[n_chains, n_sites]) = (&sigma.data, &sigma.shape[..])
        else {
            return Err(bad("chain_sigma"));
        };
        let Data::UInt(rng_values) = &dataset("chain_rng")?.data else {
            return Err(bad("chain_rng"));
        };
        let Data::Byte(thermalized) = &dataset("chain_thermalized")?.data else {
            return Err(bad("chain_thermalized"));
        };
        if rng_values.len() != 4 * n_chains || thermalized.len() != n_chains {
            return Err(bad("chain arrays of different lengths"));
        }
        let chains = (0..n_chains)
            .map(|c| ChainState {
                sigma: sigma_values[c * n_sites..(c + 1) * n_sites].to_vec(),
                rng: rng_values[4 * c..4 * c + 4].try_into().expect("four words"),
                thermalized: thermalized[c] != 0,
            })
            .collect();
        Ok(Self {
            iteration: int("iteration")? as usize,
            parameters,
            complex,
            moment1,
            moment2: moment2.clone(),
            optimizer_steps: int("optimizer_steps")?,
            chains,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn generator_states_round_trip() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        rng.next_u64();
        let mut copy = rng_from_state(rng_state(&rng));
        for _ in 0..10 {
            assert_eq!(rng.next_u64(), copy.next_u64());
        }
    }

    #[test]
    fn checkpoints_round_trip_through_a_group() {
        for complex in [false, true] {
            let c = Checkpoint {
                iteration: 7,
                parameters: vec![Complex64::new(0.5, if complex { -1.5 } else { 0.0 }); 3],
                complex,
                moment1: vec![],
                moment2: vec![],
                optimizer_steps: 7,
                chains: vec![
                    ChainState {
                        sigma: vec![1, -1, 1],
                        rng: [1, 2, 3, u64::MAX],
                        thermalized: true,
                    },
                    ChainState {
                        sigma: vec![-1, -1, 1],
                        rng: [5, 6, 7, 8],
                        thermalized: false,
                    },
                ],
            };
            let mut g = Group::default();
            c.write(&mut g);
            assert_eq!(Checkpoint::read(&g, "test").unwrap(), c);
        }
    }
}
