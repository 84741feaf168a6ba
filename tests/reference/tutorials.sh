#!/usr/bin/env bash
# Regenerates the Brian2 fixtures of the tutorials (docs/tutorials/), checked by
# tests/tutorials.rs, in tests/reference/expected/tutorials/:
#
# - each deterministic model file run on the Brian2 runner with --dump-state:
#   every output is a fixture (PART/STEM/);
# - the random model files: statistics over Brian2's seeds 1..5
#   (tutorials/stats.py -> random_stats.json);
# - part 3's Rust programs: the notebook's cells run in Brian2
#   (tutorials/multiple_runs.py -> multiple_runs.npz).
#
#   tests/reference/tutorials.sh        (from anywhere; about two minutes)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
T=docs/tutorials
EXP=$REF/expected/tutorials
mkdir -p "$EXP"

deterministic=(
  1-neurons/02_simple_model 1-neurons/03_plot_v 1-neurons/04_sine 1-neurons/05_spikes
  1-neurons/06_refractory 1-neurons/07_refractory_without_unless 1-neurons/09_parameters
  2-synapses/01_simplest_synapse 2-synapses/02_weight 2-synapses/03_delay
  2-synapses/06_neighbours 2-synapses/07_generator 2-synapses/08_one_to_one
  2-synapses/09_distance 2-synapses/11_stdp_traces 2-synapses/12_stdp_curve
  3-simulations/05_sine_input 3-simulations/06_timed_array
)
for m in "${deterministic[@]}"; do
  fixture "$T/$m.toml" "$EXP/$m" --dump-state
done

# random models: Brian2's statistics over seeds 1..5
stats_args=()
for m in 1-neurons/08_multiple_neurons 1-neurons/10_stochastic 1-neurons/11_adaptive_threshold; do
  seed_runs "$T/$m.toml" "$TMP/$m" 5
  stats_args+=("$m" "${runs[@]}" --)
done
"$PY" "$REF/tutorials/stats.py" --out "$EXP/random_stats.json" "${stats_args[@]}"

# part 3's programs: the notebook's cells in Brian2
"$PY" "$REF/tutorials/multiple_runs.py" --out "$EXP/multiple_runs.npz"

"$PY" "$REF/tutorials/brian_png.py" --npy "$T/3-simulations/brian.npy" --out "$EXP/brian_png.json"

du -sh "$EXP"
