#!/usr/bin/env bash
# Weak scaling of `spikejit run` over ranks (docs/distributed.md): CUBA with
# 32000 neurons a rank (80 synapses a neuron, so the work a rank is the same),
# one process at N = 32000 against `mpirun -np 2` at N = 64000, alternated,
# with the load average before each run. Needs a build with the feature `mpi`
# and OpenMPI's mpirun.
#
#   bench/mpi_weak_scaling.sh [REPS]
#
# Prints one line per run: run seconds, connect seconds, each rank's exchange
# seconds and synapses.
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
reps=${1:-3}
bin=target/release/spikejit
out=$(mktemp -d)
for rep in $(seq "$reps"); do
  for cfg in np1:cuba_32000 np2:cuba_64000; do
    k=${cfg%%:*}; k=${k#np}; model=${cfg#*:}
    dir=$out/$model-np$k-$rep
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "$k" = 1 ]; then
      $bin run "bench/models/$model.toml" --out "$dir" -q
    else
      mpirun -np "$k" --oversubscribe $bin run "bench/models/$model.toml" --out "$dir" -q
    fi
    python3 - "$dir/summary.json" "$model" "$k" "$rep" "$load" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
model, k, rep, load = sys.argv[2:]
ranks = s.get("ranks", [])
exchange = [round(r["exchange_seconds"], 3) for r in ranks]
synapses = [r["synapses"] for r in ranks] or [sum(s["synapse_counts"].values())]
print(f"{model:11s} ranks {k} rep {rep} load {load:5s} run {s['run_seconds']:.3f} "
      f"connect {s['connect_seconds']:.3f} exchange {exchange} synapses {synapses}")
PY
  done
done
rm -rf "$out"
