# Regenerates expected/smooth_rate.json: Brian2's smooth_rate of a PoissonGroup's population rate.
# Run: .venv/bin/python tests/reference/smooth_rate.py
from brian2 import *
prefs.codegen.target='numpy'
P = PoissonGroup(50, 'clip(200*sin(2*pi*t/(20*ms)), 0, 200)*Hz')
M = PopulationRateMonitor(P)
seed(1)
run(50*ms)
import numpy as np
import json, os
out = os.path.join(os.path.dirname(__file__), 'expected', 'smooth_rate.json')
json.dump({'dt': 1e-4, 'rate': list(M.rate_), 'gaussian_1ms': list(M.smooth_rate('gaussian', 1*ms)/Hz), 'flat_2ms': list(M.smooth_rate('flat', 2*ms)/Hz)}, open(out, 'w'))
