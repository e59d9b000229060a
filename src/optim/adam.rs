//! Adam (Kingma & Ba, ICLR 2015) on a vector of real parameters:
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//! `θ ← θ − η (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`.

/// Adam's moments and step count.
#[derive(Clone, Debug)]
pub struct Adam {
    /// `β₁` (first-moment decay).
    pub beta1: f64,
    /// `β₂` (second-moment decay).
    pub beta2: f64,
    /// `ε` (added to the denominator).
    pub epsilon: f64,
    first: Vec<f64>,
    second: Vec<f64>,
    /// `β₁ᵗ` and `β₂ᵗ`, accumulated by multiplication.
    powers: (f64, f64),
}

impl Adam {
    /// Fresh moments for `n` parameters, with `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
    pub fn new(n: usize) -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            first: vec![0.0; n],
            second: vec![0.0; n],
            powers: (1.0, 1.0),
        }
    }

    /// One update of `params` along the gradient `grad` with learning rate `rate`.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64], rate: f64) {
        self.powers.0 *= self.beta1;
        self.powers.1 *= self.beta2;
        let (c1, c2) = (1.0 - self.powers.0, 1.0 - self.powers.1);
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.first)
            .zip(&mut self.second)
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            *p -= rate * (*m / c1) / ((*v / c2).sqrt() + self.epsilon);
        }
    }
}
