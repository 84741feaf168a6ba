"""Brian2 cpp_standalone's per-step overhead: the model of empty_network.toml
(one neuron, one state update, 10^6 steps), without OpenMP.

    BRIAN2_VENV/bin/python bench/physlimit/empty_network_brian2.py

prints the run's seconds (`device._last_run_time`, the loop's CPU time).
"""
import tempfile

import brian2 as b

b.prefs.logging.console_log_level = "WARNING"
project = tempfile.mkdtemp(prefix="brian2_empty_")
b.set_device("cpp_standalone", directory=project, build_on_run=False)
b.prefs.devices.cpp_standalone.openmp_threads = 0
b.defaultclock.dt = 0.1 * b.ms
G = b.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", method="exact")
b.run(100 * b.second)
b.device.build(directory=project, run=True, compile=True)
print(f"run_s {b.device._last_run_time} over 10^6 steps")
