"""Statistics of Brian2's Fig5A (brette_2012_fig5a.py) over seeds 1..5: the
spike count and the mean and standard deviation of the soma's v, for
tests/examples_compartmental.rs (spikejit draws other random numbers, so
the stochastic example is compared by these). Writes
expected/brette_2012_fig5a_stats.json."""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
stats = []
for s in range(1, 6):
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "brette_2012_fig5a.py")],
        env={**os.environ, "FIG5A_SEED": str(s)},
        capture_output=True, text=True, check=True, cwd=HERE,
    ).stdout
    m = re.search(r"(\d+) spikes, soma v mean (-?[\d.]+) mV, sd ([\d.]+) mV", out)
    stats.append({"seed": s, "spikes": int(m.group(1)), "v_mean_mV": float(m.group(2)), "v_sd_mV": float(m.group(3))})
    print(stats[-1])
with open(os.path.join(HERE, "expected", "brette_2012_fig5a_stats.json"), "w") as f:
    json.dump(stats, f, indent=1)
