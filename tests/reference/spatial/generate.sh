#!/usr/bin/env bash
# Regenerates the Brian2 reference fixtures of spikejit's multicompartment
# examples (examples/compartmental/*.toml) in tests/reference/spatial/expected/.
#
#   tests/reference/spatial/generate.sh            (all; from anywhere)
#   tests/reference/spatial/generate.sh rall lfp   (some)
#
# Each NAME.py here runs Brian2's example NAME with Brian2 2.9.0 (runtime
# device, numpy target) and writes expected/NAME.npz; see README.md. Needs a
# Python with brian2==2.9.0, numpy<2 and scipy (Brian2's numpy target solves
# the cable equation with scipy): .venv/bin/python of the repo root, or
# PYTHON=/path/to/python. Takes about 11 minutes (lfp and hh_with_spikes, 1000
# Hodgkin-Huxley compartments on the numpy target, take most of it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

if ! "$PY" -c 'import brian2, numpy, scipy; assert brian2.__version__ == "2.9.0"' 2>/dev/null; then
  echo "$(basename "$0"): $PY lacks brian2 2.9.0, numpy or scipy" >&2
  echo "  (python3 -m venv .venv && .venv/bin/pip install brian2==2.9.0 'numpy<2' scipy, or set PYTHON)" >&2
  exit 1
fi

ALL=(rall infinite_cable cylinder bipolar_cell morphotest spike_initiation hodgkin_huxley_1952
     hh_with_spikes lfp brette_2012_fig1 brette_2012_fig3ab brette_2012_fig3cf brette_2012_fig4
     brette_2012_fig5a brette_2012_fig5a_stats synaptic_input poisson_input)
if [ $# -gt 0 ]; then NAMES=("$@"); else NAMES=("${ALL[@]}"); fi

cd "$HERE"   # the Brette 2012 scripts import params.py from here
for name in "${NAMES[@]}"; do
  if [ ! -f "$name.py" ]; then
    echo "$(basename "$0"): no script $name.py (one of: ${ALL[*]})" >&2
    exit 1
  fi
  "$PY" "$name.py"
done
du -sh expected
