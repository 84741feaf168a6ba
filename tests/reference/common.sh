# What the scripts that regenerate the Brian2 reference fixtures (generate.sh,
# examples.sh, examples_models.sh) share, sourced by each of them: the move to the
# repo root, the runner and the Python environment, and the runs that write
# fixtures. Not meant to be run on its own.
#
# Sets ROOT (the repo root, also the working directory), RUNNER, PY, REF and TMP
# (a temporary directory removed on exit).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUNNER="${BRIAN2_RUNNER:-../shared/brian2-runner/spikejit_brian2.py}"
PY=.venv/bin/python
REF=tests/reference

if [ ! -f "$RUNNER" ]; then
  echo "$(basename "$0"): runner not found at $RUNNER (set BRIAN2_RUNNER)" >&2
  exit 1
fi
if [ ! -x "$PY" ]; then
  python3 -m venv .venv
fi
if ! "$PY" -c 'import brian2, numpy; assert brian2.__version__ == "2.9.0"' 2>/dev/null; then
  .venv/bin/pip install --quiet brian2==2.9.0 "numpy<2"
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

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

# fixture FILE DIR [ARG...]: every output of `run FILE [ARG...]` into DIR (made
# anew), with the timings stripped from its summary.json
fixture() {
  local file="$1" dir="$2"
  shift 2
  rm -rf "${dir:?}"
  "$PY" "$RUNNER" run "$file" --out "$dir" "$@"
  strip_timings "$dir/summary.json"
}

# seed_runs FILE DIR LAST [ARG...]: `run FILE [ARG...] --seed S` for S = 1 ... LAST,
# each into DIR/S; sets runs to the SEED=DIR/SEED arguments of the statistics scripts
seed_runs() {
  local file="$1" dir="$2" last="$3" seed
  shift 3
  runs=()
  for seed in $(seq 1 "$last"); do
    "$PY" "$RUNNER" run "$file" --out "$dir/$seed" "$@" --seed "$seed"
    runs+=("$seed=$dir/$seed")
  done
}
