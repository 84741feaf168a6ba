#!/usr/bin/env bash
# Regenerates spikejit's Brian2 reference fixtures in tests/reference/expected/.
#
#   tests/reference/generate.sh        (from anywhere; it works from the repo root)
#
# Needs Python >= 3.11 and the Brian2 runner of the shared specs
# (../shared/brian2-runner/spikejit_brian2.py from the repo root; override with
# BRIAN2_RUNNER=/path/to/spikejit_brian2.py). Creates .venv (brian2==2.9.0,
# numpy<2) if it is missing. Takes about a minute.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EXP=$REF/expected

mkdir -p "$EXP"

# deterministic models: every output is a fixture
for name in lif_chain cuba_refractory integrators synaptic_semantics plasticity inputs connect_forms protocol language float32 schedule_order schedule_keys; do
  fixture "$REF/models/$name.toml" "$EXP/$name" --dump-state
done

# constants changed between runs: Brian2 directly (the runner has no such step)
"$PY" "$REF/constants/brian2_reference.py"

# per-object settings, dt and spikes changed between runs: Brian2 directly
# (the runner has no such keys)
"$PY" "$REF/settings/brian2_reference.py"

# data and equations from files: the same arrays inlined for the runner (it has no file values)
BRIAN2_RUNNER="$RUNNER" "$PY" "$REF/files/brian2_reference.py"

# Brian2's schedule of every model of examples/ and tests/reference/models/
BRIAN2_RUNNER="$RUNNER" "$PY" "$REF/schedules.py"

# CUBA (random): statistics over seeds 1..5, the spike trains themselves are not kept
seed_runs "$REF/models/cuba.toml" "$TMP/cuba" 5
"$PY" "$REF/cuba_stats.py" --n 4000 --duration 1.0 --out "$EXP/cuba_stats.json" "${runs[@]}"

du -sh "$EXP"
