//! One fewest-switches surface-hopping trajectory (Tully, J. Chem. Phys. 93, 1061
//! (1990)), atomic units, nuclear mass `m` for every coordinate.
//!
//! Each step of `Δt`:
//! 1. velocity Verlet on the active adiabatic surface `a`:
//!    `R ← R + vΔt + ½(F_a/m)Δt²`, then `v ← v + ½(F_a(old) + F_a(new))Δt/m`,
//!    `F_a = −∇E_a`;
//! 2. the electronic amplitudes follow the path ([`super::electronic`]), and give the
//!    hopping probabilities `g_a→j` over the step (clamped at 0);
//! 3. one uniform number `ζ` picks a hop to `j` when `Σ_{l<j} g_l < ζ ≤ Σ_{l≤j} g_l`;
//! 4. on a hop the momentum changes along the coupling `u = d_aj` (a vector over the
//!    coordinates) by `Δp = −γu`, with the smaller root `γ` of
//!    `|p − γu|²/2m = |p|²/2m − (E_j − E_a)`, conserving the total energy. Without a
//!    real root the hop is frustrated: [`FrustratedHop::Keep`] keeps the velocity
//!    (Tully 1990), [`FrustratedHop::Reverse`] reverses its component along `u`;
//! 5. optionally, the energy-based decoherence correction (Granucci & Persico,
//!    J. Chem. Phys. 126, 134114 (2007)): every inactive amplitude decays as
//!    `cᵢ ← cᵢ exp(−Δt/τᵢₐ)`, `τᵢₐ = (1/|Eᵢ − E_a|)(1 + C/E_kin)`, and `c_a` is rescaled
//!    to keep `Σ|c|² = 1`.
//!
//! A trajectory ends when coordinate 0 leaves `[exit.0, exit.1]` (reflected below,
//! transmitted above) or after `max_steps`.

use super::electronic::{propagate, Ends};
use super::frame::Frame;
use super::models::DiabaticModel;
use crate::error::{Error, Result};
use num_complex::Complex64;
use rand::{Rng, RngExt};

/// What a frustrated hop (too little kinetic energy along the coupling) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrustratedHop {
    /// Nothing: stay on the active state with the same velocity (Tully 1990).
    Keep,
    /// Stay, and reverse the velocity component along the coupling vector.
    Reverse,
}

impl FrustratedHop {
    /// The name used in decks and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Reverse => "reverse",
        }
    }

    /// The policy called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "keep" => Some(Self::Keep),
            "reverse" => Some(Self::Reverse),
            _ => None,
        }
    }
}

/// Decoherence correction applied after each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decoherence {
    /// Plain fewest switches.
    None,
    /// Granucci–Persico energy-based decoherence with constant `C` (hartree; 0.1 is
    /// their recommended value).
    EnergyBased {
        /// `C` (hartree).
        c: f64,
    },
}

impl Decoherence {
    /// `"none"` or `"edc"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::EnergyBased { .. } => "edc",
        }
    }
}

/// Settings of a trajectory, checked by [`HopSettings::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct HopSettings {
    /// Nuclear mass (electron masses; Tully's models use 2000).
    pub mass: f64,
    /// Nuclear time step (a.u. of time).
    pub dt: f64,
    /// Frustrated-hop policy.
    pub frustrated: FrustratedHop,
    /// Decoherence correction.
    pub decoherence: Decoherence,
    /// The trajectory ends when coordinate 0 leaves this interval (bohr).
    pub exit: (f64, f64),
    /// Steps after which an unfinished trajectory is stopped.
    pub max_steps: usize,
}

impl HopSettings {
    /// Checks every value, naming the field at fault.
    pub fn check(&self) -> Result<()> {
        if !(self.mass > 0.0 && self.mass.is_finite()) {
            return Err(Error::invalid(
                "mass",
                format!(
                    "{}: the nuclear mass must be positive (Tully's models use 2000)",
                    self.mass
                ),
            ));
        }
        if !(self.dt > 0.0 && self.dt.is_finite()) {
            return Err(Error::invalid(
                "dt",
                format!(
                    "{}: the time step must be positive, e.g. 80/k a.u.",
                    self.dt
                ),
            ));
        }
        if !(self.exit.0 < self.exit.1 && self.exit.0.is_finite() && self.exit.1.is_finite()) {
            return Err(Error::invalid(
                "exit",
                format!(
                    "[{}, {}]: give an interval [lower, upper] with lower < upper",
                    self.exit.0, self.exit.1
                ),
            ));
        }
        if let Decoherence::EnergyBased { c } = self.decoherence {
            if !(c > 0.0 && c.is_finite()) {
                return Err(Error::invalid(
                    "decoherence_c",
                    format!("{c}: the EDC constant must be positive (0.1 Eh is usual)"),
                ));
            }
        }
        if self.max_steps == 0 {
            return Err(Error::invalid("max_steps", "must be at least 1"));
        }
        Ok(())
    }
}

/// The default step `Δt = 0.04 m/k_max` (a.u.; 80/k_max at mass 2000): 0.04 bohr per
/// step at the fastest the nuclei can go, `k_max = √(k² + 2m(E₀ − E_min))`, with `E₀`
/// the energy of `state` at `position` and `E_min` the lowest adiabatic energy along
/// coordinate 0 over `exit` (2001 points, the other coordinates as in `position`).
pub fn default_time_step(
    model: &dyn DiabaticModel,
    position: &[f64],
    state: usize,
    exit: (f64, f64),
    mass: f64,
    k: f64,
) -> f64 {
    let start = super::adiabatic::adiabatic(model, position, None).energies[state];
    let mut r = position.to_vec();
    let mut lowest = f64::INFINITY;
    for j in 0..=2000 {
        r[0] = exit.0 + (exit.1 - exit.0) * j as f64 / 2000.0;
        lowest = lowest.min(super::adiabatic::adiabatic(model, &r, None).energies[0]);
    }
    let k_max = (k * k + 2.0 * mass * (start - lowest).max(0.0)).sqrt();
    0.04 * mass / k_max
}

/// Where a trajectory ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Left through the lower end of the exit interval.
    Reflected,
    /// Left through the upper end.
    Transmitted,
    /// Still inside after `max_steps`.
    Unfinished,
}

/// How one trajectory went.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Where it left.
    pub exit: Exit,
    /// The active state at the end.
    pub state: usize,
    /// Nuclear steps taken.
    pub steps: usize,
    /// Successful hops.
    pub hops: usize,
    /// Frustrated hops.
    pub frustrated: usize,
    /// Largest `|E_total(t) − E_total(0)|` over the trajectory (hartree).
    pub energy_drift: f64,
    /// Largest `|Σ|cᵢ|² − 1|` over the trajectory.
    pub norm_drift: f64,
    /// `(active state, |c₀|², …, |c_{n−1}|²)` every `record_every` steps from t = 0,
    /// when asked for.
    pub record: Vec<(usize, Vec<f64>)>,
}

/// The state of a trajectory between steps.
pub struct Trajectory<'m> {
    model: &'m dyn DiabaticModel,
    settings: HopSettings,
    /// Positions (bohr).
    pub position: Vec<f64>,
    /// Velocities (bohr per a.u. of time).
    pub velocity: Vec<f64>,
    /// The active adiabatic state.
    pub active: usize,
    /// Electronic amplitudes in the adiabatic basis.
    pub amplitudes: Vec<Complex64>,
    frame: Frame,
    next: Frame,
    coupling_now: Vec<f64>,
    coupling_next: Vec<f64>,
    hops: Vec<f64>,
}

impl<'m> Trajectory<'m> {
    /// A trajectory at `position` with `velocity`, on adiabatic state `state` with
    /// all of the electronic population there.
    pub fn new(
        model: &'m dyn DiabaticModel,
        settings: &HopSettings,
        position: &[f64],
        velocity: &[f64],
        state: usize,
    ) -> Result<Self> {
        settings.check()?;
        let (n, d) = (model.n_states(), model.n_dims());
        if position.len() != d || velocity.len() != d {
            return Err(Error::invalid(
                "initial",
                format!(
                    "the model has {d} coordinate(s); got {} position(s) and {} velocit(ies)",
                    position.len(),
                    velocity.len()
                ),
            ));
        }
        if state >= n {
            return Err(Error::invalid(
                "initial_state",
                format!(
                    "state {state} does not exist; the model has {n} states (0 to {})",
                    n - 1
                ),
            ));
        }
        let mut frame = Frame::new(n, d);
        frame.update(model, position, None);
        let mut amplitudes = vec![Complex64::new(0.0, 0.0); n];
        amplitudes[state] = Complex64::new(1.0, 0.0);
        Ok(Self {
            model,
            settings: settings.clone(),
            position: position.to_vec(),
            velocity: velocity.to_vec(),
            active: state,
            amplitudes,
            next: frame.clone(),
            frame,
            coupling_now: vec![0.0; n * n],
            coupling_next: vec![0.0; n * n],
            hops: vec![0.0; n],
        })
    }

    /// Kinetic energy `½m|v|²` (hartree).
    pub fn kinetic_energy(&self) -> f64 {
        0.5 * self.settings.mass * self.velocity.iter().map(|v| v * v).sum::<f64>()
    }

    /// Kinetic plus active-surface potential energy (hartree).
    pub fn total_energy(&self) -> f64 {
        self.kinetic_energy() + self.frame.energies[self.active]
    }

    /// The adiabatic energies at the current geometry (hartree).
    pub fn energies(&self) -> &[f64] {
        &self.frame.energies
    }

    /// Where the trajectory is relative to the exit interval.
    pub fn exit(&self) -> Option<Exit> {
        let x = self.position[0];
        if x < self.settings.exit.0 {
            Some(Exit::Reflected)
        } else if x > self.settings.exit.1 {
            Some(Exit::Transmitted)
        } else {
            None
        }
    }

    /// `T_ij = Σ_k v_k d_ij,k` of `frame` into `out`.
    fn velocity_coupling(frame: &Frame, velocity: &[f64], out: &mut [f64]) {
        let n = frame.n_states();
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = velocity
                    .iter()
                    .enumerate()
                    .map(|(k, v)| v * frame.coupling(i, j, k))
                    .sum();
            }
        }
    }

    /// One step with the uniform number `zeta ∈ [0, 1)` for the hop decision.
    /// Returns `(hopped, frustrated)`.
    pub fn step(&mut self, zeta: f64) -> Result<(bool, bool)> {
        let (dt, mass) = (self.settings.dt, self.settings.mass);
        let d = self.position.len();
        let a = self.active;
        Self::velocity_coupling(&self.frame, &self.velocity, &mut self.coupling_now);
        // Velocity Verlet on surface a.
        let old_velocity_sq: f64 = self.velocity.iter().map(|v| v * v).sum();
        for k in 0..d {
            let acceleration = -self.frame.gradient(a, k) / mass;
            self.position[k] += self.velocity[k] * dt + 0.5 * acceleration * dt * dt;
        }
        self.next
            .update(self.model, &self.position, Some(&self.frame.vectors));
        for k in 0..d {
            let force = -(self.frame.gradient(a, k) + self.next.gradient(a, k));
            self.velocity[k] += 0.5 * force / mass * dt;
        }
        if !self
            .position
            .iter()
            .chain(&self.velocity)
            .all(|v| v.is_finite())
            || !old_velocity_sq.is_finite()
        {
            return Err(Error::Numerical(format!(
                "the trajectory left finite values at R = {:?}; lower dt",
                self.position
            )));
        }
        Self::velocity_coupling(&self.next, &self.velocity, &mut self.coupling_next);
        // Electronic amplitudes and hopping probabilities over the step.
        self.hops.fill(0.0);
        propagate(
            &mut self.amplitudes,
            &Ends {
                energies: [&self.frame.energies, &self.next.energies],
                velocity_coupling: [&self.coupling_now, &self.coupling_next],
            },
            dt,
            a,
            &mut self.hops,
        );
        std::mem::swap(&mut self.frame, &mut self.next);
        let mut cumulative = 0.0;
        let mut target = None;
        for (j, g) in self.hops.iter().enumerate() {
            if j == a {
                continue;
            }
            cumulative += g.max(0.0);
            if zeta < cumulative {
                target = Some(j);
                break;
            }
        }
        let (mut hopped, mut frustrated) = (false, false);
        if let Some(j) = target {
            if self.rescale(a, j) {
                self.active = j;
                hopped = true;
            } else {
                frustrated = true;
                if self.settings.frustrated == FrustratedHop::Reverse {
                    self.reverse_along_coupling(a, j);
                }
            }
        }
        if let Decoherence::EnergyBased { c } = self.settings.decoherence {
            self.decohere(c);
        }
        Ok((hopped, frustrated))
    }

    /// Momentum change along `d_aj` for a hop from `a` to `j`; false if frustrated.
    fn rescale(&mut self, a: usize, j: usize) -> bool {
        let mass = self.settings.mass;
        let gap = self.frame.energies[j] - self.frame.energies[a];
        let d = self.position.len();
        let u: Vec<f64> = (0..d).map(|k| self.frame.coupling(a, j, k)).collect();
        let uu: f64 = u.iter().map(|x| x * x).sum();
        if uu == 0.0 {
            return false;
        }
        // p = m v; (γ²|u|² − 2γ p·u)/2m + ΔE = 0.
        let pu: f64 = self
            .velocity
            .iter()
            .zip(&u)
            .map(|(v, x)| mass * v * x)
            .sum();
        let (qa, qb, qc) = (uu / (2.0 * mass), -pu / mass, gap);
        let discriminant = qb * qb - 4.0 * qa * qc;
        if discriminant < 0.0 {
            return false;
        }
        let root = discriminant.sqrt();
        let gamma = if qb < 0.0 {
            (-qb - root) / (2.0 * qa)
        } else {
            (-qb + root) / (2.0 * qa)
        };
        for (v, x) in self.velocity.iter_mut().zip(&u) {
            *v -= gamma * x / mass;
        }
        true
    }

    fn reverse_along_coupling(&mut self, a: usize, j: usize) {
        let d = self.position.len();
        let u: Vec<f64> = (0..d).map(|k| self.frame.coupling(a, j, k)).collect();
        let uu: f64 = u.iter().map(|x| x * x).sum();
        if uu == 0.0 {
            return;
        }
        let vu: f64 = self.velocity.iter().zip(&u).map(|(v, x)| v * x).sum();
        for (v, x) in self.velocity.iter_mut().zip(&u) {
            *v -= 2.0 * vu / uu * x;
        }
    }

    fn decohere(&mut self, c: f64) {
        let a = self.active;
        let kinetic = self.kinetic_energy();
        if kinetic <= 0.0 {
            return;
        }
        let mut inactive = 0.0;
        for i in 0..self.amplitudes.len() {
            if i == a {
                continue;
            }
            let gap = (self.frame.energies[i] - self.frame.energies[a]).abs();
            let tau = (1.0 + c / kinetic) / gap;
            self.amplitudes[i] *= (-self.settings.dt / tau).exp();
            inactive += self.amplitudes[i].norm_sqr();
        }
        let population = self.amplitudes[a].norm_sqr();
        if population > 0.0 {
            self.amplitudes[a] *= ((1.0 - inactive) / population).sqrt();
        }
    }

    /// Runs to the exit or `max_steps`, drawing the hop numbers from `rng`; records
    /// the state every `record_every` steps (0: no record).
    pub fn run<R: Rng>(mut self, rng: &mut R, record_every: usize) -> Result<Outcome> {
        let start_energy = self.total_energy();
        let mut outcome = Outcome {
            exit: Exit::Unfinished,
            state: self.active,
            steps: 0,
            hops: 0,
            frustrated: 0,
            energy_drift: 0.0,
            norm_drift: 0.0,
            record: Vec::new(),
        };
        let populations =
            |t: &Self| -> Vec<f64> { t.amplitudes.iter().map(|c| c.norm_sqr()).collect() };
        if record_every > 0 {
            outcome.record.push((self.active, populations(&self)));
        }
        while outcome.steps < self.settings.max_steps {
            let zeta: f64 = rng.random();
            let (hopped, frustrated) = self.step(zeta)?;
            outcome.steps += 1;
            outcome.hops += hopped as usize;
            outcome.frustrated += frustrated as usize;
            outcome.energy_drift = outcome
                .energy_drift
                .max((self.total_energy() - start_energy).abs());
            let norm: f64 = self.amplitudes.iter().map(|c| c.norm_sqr()).sum();
            outcome.norm_drift = outcome.norm_drift.max((norm - 1.0).abs());
            if record_every > 0 && outcome.steps % record_every == 0 {
                outcome.record.push((self.active, populations(&self)));
            }
            if let Some(exit) = self.exit() {
                outcome.exit = exit;
                break;
            }
        }
        outcome.state = self.active;
        Ok(outcome)
    }
}
