"""Writes the reference fixtures of the device tests: each example script of
``../brian2_examples/`` run unchanged on Brian2's own runtime device (numpy
target, ``prefs.codegen.target = 'numpy'``) after ``seed(SEED)``, with what
``device_support.EXTRACTORS`` reads from it saved as ``<script>.npz`` here.

Usage (from the repository root)::

    PYTHONPATH=python .venv/bin/python python/tests/reference/generate.py [SCRIPT ...]

Without arguments every script runs, one after the other, each in its own
process (a fresh Brian2). Brian2's numpy runtime is slow for the long scripts
(STDP simulates 100 s, Brunel_2000 four networks of 12500 neurons): the
fixtures are generated once and committed; the tests only run spikejit.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import device_support  # noqa: E402


def generate(name):
    out = device_support.reference_path(name)
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(HERE), "device_support.py"), name, "runtime",
         str(device_support.SEED), out],
        check=True, env=env,
    )


def main(names):
    for name in names or list(device_support.SCRIPTS):
        if name not in device_support.SCRIPTS:
            raise SystemExit(f"unknown script {name!r} (one of {', '.join(device_support.SCRIPTS)})")
        generate(name)


if __name__ == "__main__":
    main(sys.argv[1:])
