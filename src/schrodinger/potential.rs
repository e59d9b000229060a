//! Potentials `V(x)` for the one-dimensional methods (eigenbasis, split-operator,
//! PINN), in energy units of `ħ²/(m·length²)` when `ħ = m = 1`.

use crate::error::{Error, Result};

/// A one-dimensional potential.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Potential {
    /// `V = 0`.
    Free,
    /// `V = ½mω²(x − x_c)²`.
    Harmonic {
        /// Angular frequency `ω`.
        omega: f64,
        /// Centre `x_c`.
        center: f64,
    },
    /// `V = V₀ exp(−(x − x_c)²/2w²)`: a barrier for `V₀ > 0`, a well for `V₀ < 0`.
    Gaussian {
        /// Height `V₀`.
        height: f64,
        /// Centre `x_c`.
        center: f64,
        /// Width `w`.
        width: f64,
    },
}

impl Potential {
    /// Checks the parameters (finite; `ω` and `w` positive).
    pub fn check(&self) -> Result<()> {
        let finite = |key: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Error::invalid(key, format!("{v} must be finite")))
            }
        };
        match *self {
            Potential::Free => Ok(()),
            Potential::Harmonic { omega, center } => {
                finite("potential.center", center)?;
                if !(omega > 0.0 && omega.is_finite()) {
                    return Err(Error::invalid(
                        "potential.omega",
                        format!("{omega} must be a positive angular frequency"),
                    ));
                }
                Ok(())
            }
            Potential::Gaussian {
                height,
                center,
                width,
            } => {
                finite("potential.height", height)?;
                finite("potential.center", center)?;
                if !(width > 0.0 && width.is_finite()) {
                    return Err(Error::invalid(
                        "potential.width",
                        format!("{width} must be a positive length"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// `V(x)` for a particle of mass `mass`.
    pub fn value(&self, x: f64, mass: f64) -> f64 {
        match *self {
            Potential::Free => 0.0,
            Potential::Harmonic { omega, center } => {
                0.5 * mass * omega * omega * (x - center).powi(2)
            }
            Potential::Gaussian {
                height,
                center,
                width,
            } => height * (-(x - center).powi(2) / (2.0 * width * width)).exp(),
        }
    }

    /// The deck name (`none`, `harmonic`, `gaussian`).
    pub fn name(&self) -> &'static str {
        match self {
            Potential::Free => "none",
            Potential::Harmonic { .. } => "harmonic",
            Potential::Gaussian { .. } => "gaussian",
        }
    }

    /// Whether `V = 0`.
    pub fn is_free(&self) -> bool {
        matches!(self, Potential::Free)
    }
}
