#!/bin/sh
# Regenerates the README's figures (a few minutes on 2 cores, with the build):
#   sh docs/figures/regenerate.sh
set -e
cd "$(dirname "$0")/../.."
cargo build --release --quiet
hamlet=target/release/hamlet
$hamlet ground-state models/tfim_chain20.toml --quiet --force --output docs/figures/tfim_chain20.h5 >/dev/null
$hamlet exact models/heisenberg_chain20.toml --set exact.n_states=4 --quiet --force \
    --output docs/figures/heisenberg_chain20.h5 >/dev/null
$hamlet hop models/hop_tully1.toml --quiet --force --output docs/figures/hop_tully1.h5 >/dev/null
$hamlet hop models/hop_tully1.toml --method exact --quiet --force \
    --output docs/figures/hop_tully1_exact.h5 >/dev/null
$hamlet diabatic fit models/diabatic_tully1.toml --quiet --force 2>/dev/null \
    --output docs/figures/diabatic_tully1.h5 >/dev/null
$hamlet plot docs/figures/diabatic_tully1.h5
$hamlet schrodinger models/harmonic_coherent.toml --quiet --force \
    --output docs/figures/harmonic_coherent.h5 --plot >/dev/null
$hamlet plot docs/figures/tfim_chain20.h5
$hamlet plot docs/figures/heisenberg_chain20.h5
$hamlet plot docs/figures/hop_tully1.h5 --reference docs/figures/hop_tully1_exact.h5
rm docs/figures/*.h5
