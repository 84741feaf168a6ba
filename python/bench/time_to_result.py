"""Time to result of Brian2's example scripts: ``python script.py`` under
``set_device('spikejit')`` vs ``set_device('cpp_standalone')``.

Each script of ``python/tests/brian2_examples/`` (Brian2's examples,
verbatim) is written to a temporary file with a device selection prepended,
and run in a fresh process (``MPLBACKEND=Agg``: ``show()`` returns at once).
The wall time of the whole process is what a user waits for: Python and
Brian2 start-up, building the network, code generation and compilation,
the simulation, and the script's own work on the results.

- spikejit: ``import spikejit.brian2; set_device('spikejit')``.
- cpp_standalone: ``set_device('cpp_standalone', directory=<fresh dir>)``
  (``build_on_run=True``: the first ``run()`` generates, compiles and runs the
  C++ project), ``make -j2`` (``prefs.devices.cpp_standalone.extra_make_args_unix``);
  a fresh directory per run, so nothing compiled before is reused.
  Scripts that run several networks and read results between runs
  (Brunel_2000) cannot run on cpp_standalone unchanged: reported as failing,
  with Brian2's error.

Usage (from the repository root, on a quiet machine)::

    PYTHONPATH=python .venv/bin/python python/bench/time_to_result.py [--repeat N] [--json out.json] [SCRIPT ...]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "tests", "brian2_examples")
SCRIPTS = ["CUBA", "COBAHH", "adaptive_threshold", "Brunel_2000", "Izhikevich_2003", "STDP", "gapjunctions",
           "jeffress", "nonlinear", "spike_based_homeostasis"]

PRELUDE = {
    "spikejit": (
        "import spikejit.brian2\n"
        "from brian2 import set_device as _set_device\n"
        "_set_device('spikejit')\n"
    ),
    "cpp_standalone": (
        "from brian2 import set_device as _set_device, prefs as _prefs\n"
        "_set_device('cpp_standalone', directory={directory!r}, build_on_run=True)\n"
        "_prefs.devices.cpp_standalone.extra_make_args_unix = ['-j2']\n"
    ),
}


def script_text(name, device, directory):
    with open(os.path.join(EXAMPLES, name + ".py")) as f:
        text = f.read()
    prelude = PRELUDE[device].format(directory=directory)
    # the examples' own "from __future__" lines must stay first: none of them has one
    return prelude + text


def time_once(name, device, timeout):
    with tempfile.TemporaryDirectory(prefix=f"ttr_{name}_{device}_") as tmp:
        path = os.path.join(tmp, name + ".py")
        with open(path, "w") as f:
            f.write(script_text(name, device, os.path.join(tmp, "standalone")))
        env = dict(os.environ, MPLBACKEND="Agg")
        # the script runs in the temporary directory: the spikejit this process
        # imports (installed, or the checkout's python/ on PYTHONPATH)
        import spikejit

        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(spikejit.__file__)))
        paths = [package_dir] + [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        start = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, path], cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "ok": False, "error": f"timed out after {timeout} s"}
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"seconds": seconds, "ok": False, "error": last}
        return {"seconds": seconds, "ok": True, "error": None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="*", default=SCRIPTS)
    parser.add_argument("--devices", default="spikejit,cpp_standalone")
    parser.add_argument("--repeat", type=int, default=1, help="runs per script and device (the best is reported)")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    devices = args.devices.split(",")
    results = {}
    print(f"{'script':<26}" + "".join(f"{d:>18}" for d in devices) + f"{'ratio':>9}")
    for name in args.scripts:
        row = {}
        for device in devices:
            runs = [time_once(name, device, args.timeout) for _ in range(args.repeat)]
            ok = [r["seconds"] for r in runs if r["ok"]]
            row[device] = {"best_seconds": min(ok) if ok else None, "runs": runs}
        results[name] = row
        cells = []
        for device in devices:
            best = row[device]["best_seconds"]
            cells.append(f"{best:>17.1f}s" if best is not None else f"{'failed':>18}")
        sj, cpp = (row.get("spikejit", {}).get("best_seconds"), row.get("cpp_standalone", {}).get("best_seconds"))
        ratio = f"{cpp / sj:>8.1f}x" if sj and cpp else f"{'-':>9}"
        print(f"{name:<26}" + "".join(cells) + ratio, flush=True)
        for device in devices:
            for r in row[device]["runs"]:
                if not r["ok"]:
                    print(f"    {device}: {r['error']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
