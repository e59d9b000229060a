//! `DiabaticNet`: a multilayer perceptron from nuclear geometry `R ∈ ℝᵈ` to the
//! `m = n(n+1)/2` independent entries of a real symmetric diabatic matrix `H_d(R)`.
//!
//! With scaled input `s = (R − c) / w` (per coordinate), hidden layers
//! `a_{l+1} = σ(W_l a_l + b_l)` and a linear last layer `y = W_L a_L + b_L`, the entries
//! are `H_ab = ε₀ δ_ab + ε y_{e(a,b)}` (hartree), with `e(a, b)` the upper triangle in
//! row-major order: `(0,0), (0,1), …, (0,n−1), (1,1), …`. The energy shift `ε₀` and
//! scale `ε` keep the network's outputs of order one.
//!
//! `∂H/∂R_k` comes from forward tangents (`ȧ₀ = e_k / w_k`,
//! `ȧ_{l+1} = σ′(z_l) ⊙ W_l ȧ_l`). Gradients of a loss `L(H, ∂H/∂R)` with respect to the
//! weights come from one reverse pass through both the values and the tangents, which
//! needs `σ″`. Activations: `tanh` and SiLU `z/(1 + e^{−z})`.

use super::models::DiabaticModel;
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use ndarray::{Array2, Axis};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A smooth activation with its first two derivatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `tanh z`.
    Tanh,
    /// `z σ(z)` with the logistic `σ(z) = 1/(1 + e^{−z})` (SiLU, "swish").
    Silu,
}

impl Activation {
    /// `(f(z), f′(z), f″(z))`.
    fn eval(self, z: f64) -> (f64, f64, f64) {
        match self {
            Activation::Tanh => {
                let t = z.tanh();
                let d = 1.0 - t * t;
                (t, d, -2.0 * t * d)
            }
            Activation::Silu => {
                let s = 1.0 / (1.0 + (-z).exp());
                let ds = s * (1.0 - s);
                (z * s, s + z * ds, ds * (2.0 + z * (1.0 - 2.0 * s)))
            }
        }
    }

    /// The name used in decks and files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Silu => "silu",
        }
    }

    /// Parses a deck or file name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "tanh" => Some(Activation::Tanh),
            "silu" | "swish" => Some(Activation::Silu),
            _ => None,
        }
    }
}

/// Affine maps at both ends of the network: input `s = (R − center)/width`, output
/// `H = shift·I + scale·y`.
#[derive(Clone, Debug, PartialEq)]
pub struct Scaling {
    /// `c`, per coordinate (bohr).
    pub center: Vec<f64>,
    /// `w > 0`, per coordinate (bohr).
    pub width: Vec<f64>,
    /// `ε₀` (hartree).
    pub energy_shift: f64,
    /// `ε > 0` (hartree).
    pub energy_scale: f64,
}

impl Scaling {
    /// No scaling in `d` dimensions.
    pub fn identity(d: usize) -> Self {
        Self {
            center: vec![0.0; d],
            width: vec![1.0; d],
            energy_shift: 0.0,
            energy_scale: 1.0,
        }
    }
}

/// The network's shape: `n` states, `d` coordinates, hidden widths and activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    /// Number of electronic states `n`.
    pub n_states: usize,
    /// Number of nuclear coordinates `d`.
    pub n_dims: usize,
    /// Widths of the hidden layers.
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers.
    pub activation: Activation,
}

impl Architecture {
    /// `m = n(n+1)/2`, the number of outputs.
    pub fn n_entries(&self) -> usize {
        self.n_states * (self.n_states + 1) / 2
    }

    /// Layer sizes `[d, hidden…, m]`.
    fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.n_dims];
        sizes.extend(&self.hidden);
        sizes.push(self.n_entries());
        sizes
    }

    /// Number of weights and biases.
    pub fn n_parameters(&self) -> usize {
        self.sizes().windows(2).map(|w| (w[0] + 1) * w[1]).sum()
    }

    fn check(&self) -> Result<()> {
        if self.n_states < 2 {
            return Err(Error::invalid(
                "network.states",
                "a diabatic matrix needs at least 2 states",
            ));
        }
        if self.n_dims == 0 {
            return Err(Error::invalid(
                "network.dims",
                "needs at least one coordinate",
            ));
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(Error::invalid(
                "network.widths",
                format!(
                    "{:?}: give one or more positive hidden widths, e.g. [32, 32]",
                    self.hidden
                ),
            ));
        }
        Ok(())
    }
}

/// Index of the entry `(a, b)`, `a ≤ b`, among the `n(n+1)/2` outputs.
pub fn entry_index(n: usize, a: usize, b: usize) -> usize {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    a * n - a * (a + 1) / 2 + b
}

/// A diabatic-matrix network: architecture, scaling and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct DiabaticNet {
    architecture: Architecture,
    scaling: Scaling,
    /// Per layer: `W` (out × in, row-major), then `b`.
    parameters: Vec<f64>,
}

/// A forward pass over a batch of `B` geometries, kept for the reverse pass.
pub struct Forward {
    /// Input of each layer `a_l` (`size_l × B`).
    inputs: Vec<Array2<f64>>,
    /// Tangents of each layer's input, `ȧ_{l,k}`.
    input_tangents: Vec<Vec<Array2<f64>>>,
    /// Per hidden layer: `σ′(z)`, `σ″(z)` and the tangents `ż_k`.
    slopes: Vec<Array2<f64>>,
    curvatures: Vec<Array2<f64>>,
    pre_tangents: Vec<Vec<Array2<f64>>>,
    /// Entries of `H` (`m × B`, hartree).
    pub entries: Array2<f64>,
    /// `∂H/∂R_k` entries, one `m × B` array per coordinate (hartree/bohr).
    pub entry_gradients: Vec<Array2<f64>>,
}

impl DiabaticNet {
    /// A network with seeded random weights (Glorot-uniform; first-layer biases
    /// uniform in the same range, so the units' transitions spread over the scaled
    /// input; other biases zero).
    pub fn new(architecture: Architecture, scaling: Scaling, seed: u64) -> Result<Self> {
        architecture.check()?;
        check_scaling(&scaling, architecture.n_dims)?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let sizes = architecture.sizes();
        let mut parameters = Vec::with_capacity(architecture.n_parameters());
        for (l, w) in sizes.windows(2).enumerate() {
            let bound = (6.0 / (w[0] + w[1]) as f64).sqrt();
            for _ in 0..w[0] * w[1] {
                parameters.push(rng.random_range(-bound..bound));
            }
            for _ in 0..w[1] {
                parameters.push(if l == 0 {
                    rng.random_range(-bound..bound)
                } else {
                    0.0
                });
            }
        }
        Ok(Self {
            architecture,
            scaling,
            parameters,
        })
    }

    /// A network with given parameters (as saved by [`DiabaticNet::parameters`]).
    pub fn from_parts(
        architecture: Architecture,
        scaling: Scaling,
        parameters: Vec<f64>,
    ) -> Result<Self> {
        architecture.check()?;
        check_scaling(&scaling, architecture.n_dims)?;
        if parameters.len() != architecture.n_parameters() {
            return Err(Error::invalid(
                "network.parameters",
                format!(
                    "{} values, but the architecture needs {}",
                    parameters.len(),
                    architecture.n_parameters()
                ),
            ));
        }
        if parameters.iter().any(|p| !p.is_finite()) {
            return Err(Error::invalid(
                "network.parameters",
                "contain NaN or infinite values",
            ));
        }
        Ok(Self {
            architecture,
            scaling,
            parameters,
        })
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// The input and output scaling.
    pub fn scaling(&self) -> &Scaling {
        &self.scaling
    }

    /// All weights and biases, layer by layer (`W` row-major, then `b`).
    pub fn parameters(&self) -> &[f64] {
        &self.parameters
    }

    /// Replaces the parameters (same length).
    pub fn set_parameters(&mut self, parameters: &[f64]) {
        self.parameters.copy_from_slice(parameters);
    }

    /// `(W_l, b_l)` views into `parameters` for each layer.
    fn layers<'a>(&self, parameters: &'a [f64]) -> Vec<(ndarray::ArrayView2<'a, f64>, &'a [f64])> {
        let sizes = self.architecture.sizes();
        let mut offset = 0;
        sizes
            .windows(2)
            .map(|w| {
                let (inp, out) = (w[0], w[1]);
                let weights = ndarray::ArrayView2::from_shape(
                    (out, inp),
                    &parameters[offset..offset + out * inp],
                )
                .expect("layer shape");
                offset += out * inp;
                let bias = &parameters[offset..offset + out];
                offset += out;
                (weights, bias)
            })
            .collect()
    }

    /// The forward pass at the geometries `r` (`B × d`, row-major), with tangents.
    pub fn forward(&self, r: &[f64]) -> Forward {
        let (n, d) = (self.architecture.n_states, self.architecture.n_dims);
        let batch = r.len() / d;
        let scaled = Array2::from_shape_fn((d, batch), |(k, p)| {
            (r[p * d + k] - self.scaling.center[k]) / self.scaling.width[k]
        });
        let seeds: Vec<Array2<f64>> = (0..d)
            .map(|k| {
                let mut t = Array2::zeros((d, batch));
                t.row_mut(k).fill(1.0 / self.scaling.width[k]);
                t
            })
            .collect();
        let layers = self.layers(&self.parameters);
        let hidden = layers.len() - 1;
        let mut forward = Forward {
            inputs: vec![scaled],
            input_tangents: vec![seeds],
            slopes: Vec::with_capacity(hidden),
            curvatures: Vec::with_capacity(hidden),
            pre_tangents: Vec::with_capacity(hidden),
            entries: Array2::zeros((0, 0)),
            entry_gradients: Vec::new(),
        };
        for (l, (weights, bias)) in layers.iter().enumerate() {
            let input = &forward.inputs[l];
            let mut z = weights.dot(input);
            for (mut row, &b) in z.axis_iter_mut(Axis(0)).zip(bias.iter()) {
                row += b;
            }
            let tangents: Vec<Array2<f64>> = forward.input_tangents[l]
                .iter()
                .map(|t| weights.dot(t))
                .collect();
            if l == hidden {
                let scale = self.scaling.energy_scale;
                z *= scale;
                for a in 0..n {
                    let mut row = z.row_mut(entry_index(n, a, a));
                    row += self.scaling.energy_shift;
                }
                forward.entries = z;
                forward.entry_gradients = tangents.into_iter().map(|t| t * scale).collect();
            } else {
                let mut slope = Array2::zeros(z.raw_dim());
                let mut curvature = Array2::zeros(z.raw_dim());
                ndarray::Zip::from(&mut z)
                    .and(&mut slope)
                    .and(&mut curvature)
                    .for_each(|z, s, c| {
                        let (f, f1, f2) = self.architecture.activation.eval(*z);
                        *z = f;
                        *s = f1;
                        *c = f2;
                    });
                let next_tangents = tangents.iter().map(|t| t * &slope).collect();
                forward.inputs.push(z);
                forward.input_tangents.push(next_tangents);
                forward.slopes.push(slope);
                forward.curvatures.push(curvature);
                forward.pre_tangents.push(tangents);
            }
        }
        forward
    }

    /// Adds to `gradient` the derivative with respect to the parameters of
    /// `Σ_p [Σ_e h̄_ep H_ep + Σ_k Σ_e J̄_kep ∂H_ep/∂R_k]`, given the adjoints `h̄`
    /// (`m × B`) and `J̄_k` (`m × B` per coordinate) of a forward pass.
    pub fn backward(
        &self,
        forward: &Forward,
        entries_bar: &Array2<f64>,
        entry_gradients_bar: &[Array2<f64>],
        gradient: &mut [f64],
    ) {
        self.reverse(
            forward,
            entries_bar,
            entry_gradients_bar,
            |offset, z_bar, t_bar, input, input_t| {
                let (out, inp) = (z_bar.nrows(), input.nrows());
                let mut w_bar = z_bar.dot(&input.t());
                for (t_bar, t) in t_bar.iter().zip(input_t) {
                    w_bar += &t_bar.dot(&t.t());
                }
                for (g, w) in gradient[offset..offset + out * inp]
                    .iter_mut()
                    .zip(w_bar.iter())
                {
                    *g += w;
                }
                let b_bar = z_bar.sum_axis(Axis(1));
                for (g, b) in gradient[offset + out * inp..offset + out * inp + out]
                    .iter_mut()
                    .zip(b_bar.iter())
                {
                    *g += b;
                }
            },
        );
    }

    /// Like [`DiabaticNet::backward`], but one gradient per column: row `q` of
    /// `rows` (`B × parameters`, row-major) receives the parameter derivative of
    /// `Σ_e h̄_eq H_eq + Σ_k Σ_e J̄_keq ∂H_eq/∂R_k` (a Jacobian row when each column
    /// carries one residual's adjoints).
    pub fn backward_per_column(
        &self,
        forward: &Forward,
        entries_bar: &Array2<f64>,
        entry_gradients_bar: &[Array2<f64>],
        rows: &mut [f64],
    ) {
        let total = self.parameters.len();
        self.reverse(
            forward,
            entries_bar,
            entry_gradients_bar,
            |offset, z_bar, t_bar, input, input_t| {
                let (out, inp) = (z_bar.nrows(), input.nrows());
                for (q, row) in rows.chunks_mut(total).enumerate() {
                    let weights = &mut row[offset..offset + out * inp];
                    for o in 0..out {
                        let zo = z_bar[(o, q)];
                        let w_row = &mut weights[o * inp..(o + 1) * inp];
                        for (i, w) in w_row.iter_mut().enumerate() {
                            let mut v = zo * input[(i, q)];
                            for (tb, t) in t_bar.iter().zip(input_t) {
                                v += tb[(o, q)] * t[(i, q)];
                            }
                            *w = v;
                        }
                    }
                    for o in 0..out {
                        row[offset + out * inp + o] = z_bar[(o, q)];
                    }
                }
            },
        );
    }

    /// The reverse pass: for each layer, last first, calls
    /// `accumulate(offset, z̄, ż̄_k, a, ȧ_k)` with the layer's parameter offset, the
    /// adjoints of its pre-activations and their tangents, and its inputs.
    fn reverse(
        &self,
        forward: &Forward,
        entries_bar: &Array2<f64>,
        entry_gradients_bar: &[Array2<f64>],
        mut accumulate: impl FnMut(usize, &Array2<f64>, &[Array2<f64>], &Array2<f64>, &[Array2<f64>]),
    ) {
        let layers = self.layers(&self.parameters);
        let scale = self.scaling.energy_scale;
        let mut z_bar = entries_bar * scale;
        let mut tangents_bar: Vec<Array2<f64>> =
            entry_gradients_bar.iter().map(|t| t * scale).collect();
        let sizes = self.architecture.sizes();
        let mut offsets = Vec::with_capacity(layers.len());
        let mut offset = 0;
        for w in sizes.windows(2) {
            offsets.push(offset);
            offset += (w[0] + 1) * w[1];
        }
        for l in (0..layers.len()).rev() {
            accumulate(
                offsets[l],
                &z_bar,
                &tangents_bar,
                &forward.inputs[l],
                &forward.input_tangents[l],
            );
            if l == 0 {
                break;
            }
            let (weights, _) = &layers[l];
            let a_bar = weights.t().dot(&z_bar);
            let a_tangents_bar: Vec<Array2<f64>> =
                tangents_bar.iter().map(|t| weights.t().dot(t)).collect();
            let h = l - 1;
            let (slope, curvature) = (&forward.slopes[h], &forward.curvatures[h]);
            let mut next = &a_bar * slope;
            for (t_bar, z_dot) in a_tangents_bar.iter().zip(&forward.pre_tangents[h]) {
                next += &(t_bar * z_dot * curvature);
            }
            z_bar = next;
            tangents_bar = a_tangents_bar.iter().map(|t| t * slope).collect();
        }
    }

    fn single(&self, r: &[f64]) -> Forward {
        assert_eq!(r.len(), self.architecture.n_dims, "geometry dimension");
        self.forward(r)
    }

    fn matrix(&self, column: impl Fn(usize) -> f64) -> DMatrix<f64> {
        let n = self.architecture.n_states;
        DMatrix::from_fn(n, n, |a, b| column(entry_index(n, a, b)))
    }
}

fn check_scaling(scaling: &Scaling, d: usize) -> Result<()> {
    let ok = scaling.center.len() == d
        && scaling.width.len() == d
        && scaling.width.iter().all(|w| w.is_finite() && *w > 0.0)
        && scaling.center.iter().all(|c| c.is_finite())
        && scaling.energy_shift.is_finite()
        && scaling.energy_scale.is_finite()
        && scaling.energy_scale > 0.0;
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "network.scaling",
            format!("{scaling:?}: needs {d} finite centers, {d} positive widths and a positive energy scale"),
        ))
    }
}

impl DiabaticModel for DiabaticNet {
    fn n_states(&self) -> usize {
        self.architecture.n_states
    }
    fn n_dims(&self) -> usize {
        self.architecture.n_dims
    }
    fn potential(&self, r: &[f64]) -> DMatrix<f64> {
        let f = self.single(r);
        self.matrix(|e| f.entries[(e, 0)])
    }
    fn gradient(&self, r: &[f64]) -> Vec<DMatrix<f64>> {
        self.potential_and_gradient(r).1
    }
    fn potential_and_gradient(&self, r: &[f64]) -> (DMatrix<f64>, Vec<DMatrix<f64>>) {
        let f = self.single(r);
        let gradient = f
            .entry_gradients
            .iter()
            .map(|g| self.matrix(|e| g[(e, 0)]))
            .collect();
        (self.matrix(|e| f.entries[(e, 0)]), gradient)
    }
    /// One geometry, without allocating: values and forward tangents layer by layer in
    /// per-thread buffers `[a, ȧ₀, …, ȧ_{d−1}]`.
    fn fill(&self, r: &[f64], potential: &mut [f64], gradient: &mut [f64]) {
        thread_local! {
            static BUFFERS: std::cell::RefCell<(Vec<f64>, Vec<f64>)> =
                const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
        }
        let (n, d) = (self.architecture.n_states, self.architecture.n_dims);
        let hidden = &self.architecture.hidden;
        let m = n * (n + 1) / 2;
        let widest = hidden.iter().copied().fold(d.max(m), usize::max);
        BUFFERS.with(|cell| {
            let (current, next) = &mut *cell.borrow_mut();
            current.resize((d + 1) * widest, 0.0);
            next.resize((d + 1) * widest, 0.0);
            // Channel c of a layer of width w sits at [c·widest, c·widest + w).
            for k in 0..d {
                current[k] = (r[k] - self.scaling.center[k]) / self.scaling.width[k];
                for c in 0..d {
                    current[(c + 1) * widest + k] = if c == k {
                        1.0 / self.scaling.width[k]
                    } else {
                        0.0
                    };
                }
            }
            let mut offset = 0;
            let last = hidden.len();
            for l in 0..=last {
                let inputs = if l == 0 { d } else { hidden[l - 1] };
                let outputs = if l == last { m } else { hidden[l] };
                let weights = &self.parameters[offset..offset + inputs * outputs];
                let bias = &self.parameters[offset + inputs * outputs..][..outputs];
                offset += inputs * outputs + outputs;
                for o in 0..outputs {
                    let row = &weights[o * inputs..(o + 1) * inputs];
                    for c in 0..=d {
                        let input = &current[c * widest..c * widest + inputs];
                        let mut sum: f64 = row.iter().zip(input).map(|(w, a)| w * a).sum();
                        if c == 0 {
                            sum += bias[o];
                        }
                        next[c * widest + o] = sum;
                    }
                    if l < last {
                        let (f, slope, _) = self.architecture.activation.eval(next[o]);
                        next[o] = f;
                        for c in 1..=d {
                            next[c * widest + o] *= slope;
                        }
                    }
                }
                std::mem::swap(current, next);
            }
            let scale = self.scaling.energy_scale;
            for a in 0..n {
                for b in a..n {
                    let e = entry_index(n, a, b);
                    let shift = if a == b {
                        self.scaling.energy_shift
                    } else {
                        0.0
                    };
                    let value = scale * current[e] + shift;
                    potential[a * n + b] = value;
                    potential[b * n + a] = value;
                    for k in 0..d {
                        let g = scale * current[(k + 1) * widest + e];
                        gradient[(k * n + a) * n + b] = g;
                        gradient[(k * n + b) * n + a] = g;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(n: usize, d: usize, activation: Activation) -> DiabaticNet {
        let architecture = Architecture {
            n_states: n,
            n_dims: d,
            hidden: vec![5, 4],
            activation,
        };
        let scaling = Scaling {
            center: (0..d).map(|k| 0.3 * k as f64).collect(),
            width: (0..d).map(|k| 1.5 + k as f64).collect(),
            energy_shift: 0.2,
            energy_scale: 0.7,
        };
        DiabaticNet::new(architecture, scaling, 11).unwrap()
    }

    #[test]
    fn fill_equals_the_batched_forward_pass() {
        for (n, d, activation) in [(2, 1, Activation::Tanh), (3, 2, Activation::Silu)] {
            let net = net(n, d, activation);
            let r: Vec<f64> = (0..d).map(|k| 0.4 - 0.3 * k as f64).collect();
            let (v, g) = net.potential_and_gradient(&r);
            let (mut pv, mut pg) = (vec![0.0; n * n], vec![0.0; d * n * n]);
            net.fill(&r, &mut pv, &mut pg);
            for a in 0..n {
                for b in 0..n {
                    assert!((pv[a * n + b] - v[(a, b)]).abs() < 1e-14);
                    for k in 0..d {
                        assert!((pg[(k * n + a) * n + b] - g[k][(a, b)]).abs() < 1e-14);
                    }
                }
            }
        }
    }

    #[test]
    fn entry_indices_cover_the_upper_triangle_once() {
        let n = 4;
        let mut seen = vec![false; n * (n + 1) / 2];
        for a in 0..n {
            for b in a..n {
                let e = entry_index(n, a, b);
                assert!(!seen[e]);
                seen[e] = true;
                assert_eq!(e, entry_index(n, b, a));
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn activation_derivatives_match_finite_differences() {
        for activation in [Activation::Tanh, Activation::Silu] {
            for z in [-2.3, -0.4, 0.0, 0.9, 3.1] {
                let h = 1e-5;
                let (_, d1, d2) = activation.eval(z);
                let fd1 = (activation.eval(z + h).0 - activation.eval(z - h).0) / (2.0 * h);
                let fd2 = (activation.eval(z + h).1 - activation.eval(z - h).1) / (2.0 * h);
                assert!(
                    (d1 - fd1).abs() < 1e-9 && (d2 - fd2).abs() < 1e-9,
                    "{activation:?} {z}"
                );
            }
        }
    }

    #[test]
    fn gradient_in_r_matches_finite_differences() {
        for (n, d, activation) in [(2, 1, Activation::Tanh), (3, 2, Activation::Silu)] {
            let net = net(n, d, activation);
            let r: Vec<f64> = (0..d).map(|k| 0.4 - 0.7 * k as f64).collect();
            let analytic = net.gradient(&r);
            for k in 0..d {
                let h = 1e-5;
                let mut plus = r.clone();
                plus[k] += h;
                let mut minus = r.clone();
                minus[k] -= h;
                let fd = (net.potential(&plus) - net.potential(&minus)) / (2.0 * h);
                assert!((&analytic[k] - &fd).amax() < 1e-8, "{n} {d} k={k}");
                assert!((&analytic[k] - analytic[k].transpose()).amax() == 0.0);
            }
        }
    }

    #[test]
    fn weight_gradient_matches_finite_differences() {
        // L = Σ_p Σ_e (c_ep H_ep + Σ_k c'_kep ∂_k H_ep) with fixed random c, c'.
        for (n, d, activation) in [(2, 1, Activation::Tanh), (3, 2, Activation::Silu)] {
            let mut net = net(n, d, activation);
            let m = n * (n + 1) / 2;
            let r: Vec<f64> = (0..3 * d).map(|i| (i as f64 * 0.77).sin() * 2.0).collect();
            let batch = 3;
            let c = Array2::from_shape_fn((m, batch), |(e, p)| ((e * 7 + p) as f64).cos());
            let c_t: Vec<Array2<f64>> = (0..d)
                .map(|k| {
                    Array2::from_shape_fn((m, batch), |(e, p)| ((e * 3 + p * 5 + k) as f64).sin())
                })
                .collect();
            let objective = |net: &DiabaticNet| {
                let f = net.forward(&r);
                let mut value = (&f.entries * &c).sum();
                for (g, ct) in f.entry_gradients.iter().zip(&c_t) {
                    value += (g * ct).sum();
                }
                value
            };
            let f = net.forward(&r);
            let mut gradient = vec![0.0; net.parameters().len()];
            net.backward(&f, &c, &c_t, &mut gradient);
            let base = net.parameters().to_vec();
            for i in 0..base.len() {
                let h = 1e-6;
                let mut p = base.clone();
                p[i] += h;
                net.set_parameters(&p);
                let up = objective(&net);
                p[i] -= 2.0 * h;
                net.set_parameters(&p);
                let down = objective(&net);
                let fd = (up - down) / (2.0 * h);
                assert!(
                    (gradient[i] - fd).abs() < 1e-7 * (1.0 + fd.abs()),
                    "parameter {i}: {} vs {fd}",
                    gradient[i]
                );
            }
            net.set_parameters(&base);
            // Per-column rows add up to the summed gradient.
            let mut rows = vec![0.0; batch * base.len()];
            net.backward_per_column(&f, &c, &c_t, &mut rows);
            for (i, g) in gradient.iter().enumerate() {
                let sum: f64 = (0..batch).map(|q| rows[q * base.len() + i]).sum();
                assert!((sum - g).abs() < 1e-12 * (1.0 + g.abs()), "parameter {i}");
            }
        }
    }
}
