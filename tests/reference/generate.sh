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

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUNNER="${BRIAN2_RUNNER:-../shared/brian2-runner/spikejit_brian2.py}"
PY=.venv/bin/python
REF=tests/reference
EXP=$REF/expected

if [ ! -f "$RUNNER" ]; then
  echo "generate.sh: runner not found at $RUNNER (set BRIAN2_RUNNER)" >&2
  exit 1
fi
if [ ! -x "$PY" ]; then
  python3 -m venv .venv
fi
if ! "$PY" -c 'import brian2, numpy; assert brian2.__version__ == "2.9.0"' 2>/dev/null; then
  .venv/bin/pip install --quiet brian2==2.9.0 "numpy<2"
fi

# summary.json without the timings (machine-dependent), so that fixtures only
# change when Brian2's results change
strip_timings() {
  "$PY" - "$1" <<'PYEOF'
import json, sys
p = sys.argv[1]
with open(p) as f:
    s = json.load(f)
s = {k: v for k, v in s.items() if not k.endswith("_seconds")}
with open(p, "w") as f:
    json.dump(s, f, indent=2, sort_keys=True)
    f.write("\n")
PYEOF
}

mkdir -p "$EXP"

# deterministic models: every output is a fixture
for name in lif_chain cuba_refractory integrators synaptic_semantics plasticity inputs connect_forms protocol language float32 schedule_order schedule_keys; do
  rm -rf "${EXP:?}/$name"
  "$PY" "$RUNNER" run "$REF/models/$name.toml" --out "$EXP/$name" --dump-state
  strip_timings "$EXP/$name/summary.json"
done

# constants changed between runs: Brian2 directly (the runner has no such step)
"$PY" "$REF/constants/brian2_reference.py"

# Brian2's schedule of every model of examples/ and tests/reference/models/
BRIAN2_RUNNER="$RUNNER" "$PY" "$REF/schedules.py"

# CUBA (random): statistics over seeds 1..5, the spike trains themselves are not kept
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
runs=()
for seed in 1 2 3 4 5; do
  "$PY" "$RUNNER" run "$REF/models/cuba.toml" --out "$TMP/seed$seed" --seed "$seed"
  runs+=("$seed=$TMP/seed$seed")
done
"$PY" "$REF/cuba_stats.py" --n 4000 --duration 1.0 --out "$EXP/cuba_stats.json" "${runs[@]}"

du -sh "$EXP"
