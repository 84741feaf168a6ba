#!/usr/bin/env bash
# Regenerates the Brian2 reference data of the synapse examples (examples/*.toml made
# from brian-team/brian2 examples/synapses/ and examples/advanced/custom_events.py),
# which tests/examples_synapses.rs compares spikejit against:
#
#   tests/reference/examples.sh        (from anywhere; it works from the repo root)
#
# - deterministic examples (gapjunctions, nonlinear, continuous_interaction) and the
#   deterministic variants in tests/reference/models/examples/ (custom_events_det,
#   spike_based_homeostasis_det: the Poisson inputs replaced by fixed spike trains):
#   every output of `run FILE --dump-state` into expected/examples/NAME/, with the
#   timing keys stripped from summary.json;
# - random examples (stdp, jeffress, spatial_connections, state_variables, synapses,
#   spike_based_homeostasis, custom_events): runs with --seed 1 ... 12 (jeffress, whose
#   detector spike count varies most: 1 ... 20) into a temporary directory, of which
#   only expected/examples/NAME_stats.json is kept (statistics defined in
#   examples_stats.py).
#
# Needs Python >= 3.11 and the Brian2 runner of the shared specs
# (../shared/brian2-runner/spikejit_brian2.py from the repo root; override with
# BRIAN2_RUNNER=/path/to/spikejit_brian2.py). Creates .venv (brian2==2.9.0,
# numpy<2) if it is missing. Takes about eight minutes.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EXP=$REF/expected/examples

mkdir -p "$EXP"

# deterministic examples and variants: every output is a fixture
for file in examples/gapjunctions.toml examples/nonlinear.toml examples/continuous_interaction.toml \
            $REF/models/examples/custom_events_det.toml \
            $REF/models/examples/spike_based_homeostasis_det.toml; do
  name="$(basename "$file" .toml)"
  fixture "$file" "$EXP/$name" --dump-state
done

# random examples: statistics over seeds 1..12 (jeffress 1..20), the runs themselves are not kept
for name in stdp jeffress spatial_connections state_variables synapses spike_based_homeostasis custom_events; do
  last=12
  if [ "$name" = jeffress ]; then last=20; fi
  seed_runs "examples/$name.toml" "$TMP/$name" "$last" --dump-state >/dev/null
  "$PY" "$REF/examples_stats.py" "$name" --out "$EXP/${name}_stats.json" "${runs[@]}"
done

du -sh "$EXP"
