#!/usr/bin/env bash
# Redraws the figures of the tutorials (docs/tutorials/): each model file with
# monitors run with --plot into the folder of its name (only the PNGs are
# kept in git, see .gitignore), then the tutorials' programs.
#
#   docs/tutorials/figures.sh      (from anywhere)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo build --release --quiet --bin spikejit
for f in docs/tutorials/*/[0-9]*.toml; do
  grep -q '^\[\[monitors\]\]' "$f" || continue
  target/release/spikejit run "$f" --out "${f%.toml}" --plot --quiet
done
cargo run --release --quiet --example tutorial_1_fi_curve -- docs/tutorials/1-neurons
cargo run --release --quiet --example tutorial_2_pictures -- docs/tutorials/2-synapses
for p in multiple_runs tau_per_neuron random_input network_operation; do
  cargo run --release --quiet --example "tutorial_3_$p" -- docs/tutorials/3-simulations
done
# palette PNGs: a tenth of the bytes of plotters' RGB ones
"${PYTHON:-python3}" docs/tutorials/shrink_png.py docs/tutorials/*/*.png docs/tutorials/*/*/*.png
