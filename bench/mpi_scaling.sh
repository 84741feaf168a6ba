#!/usr/bin/env bash
# Strong scaling of `spikejit run` over ranks and threads (docs/distributed.md):
# each model once per configuration and repetition, the configurations
# alternated, with the load average before each run. Needs a build with the
# feature `mpi` (cargo build --release --features mpi) and OpenMPI's mpirun.
#
#   bench/mpi_scaling.sh [REPS] [RANKS...]     e.g. bench/mpi_scaling.sh 3 2 4 8 16
#
# One process (one thread), `--threads 2`, then `mpirun -np K` for each K given
# (one thread a rank; default: 2). Prints one line per run: run seconds,
# connect seconds, spikes, each rank's exchange seconds.
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
reps=${1:-3}
shift || true
ranks=("${@:-2}")
bin=target/release/spikejit
out=$(mktemp -d)
for model in cuba_64000 cuba_256000 brunel_12500; do
  for rep in $(seq "$reps"); do
    configs=(one threads2)
    for k in "${ranks[@]}"; do configs+=("np$k"); done
    for cfg in "${configs[@]}"; do
      dir=$out/$model-$cfg-$rep
      load=$(cut -d' ' -f1 /proc/loadavg)
      case $cfg in
        one) $bin run "bench/models/$model.toml" --out "$dir" -q ;;
        threads2) $bin run "bench/models/$model.toml" --out "$dir" -q --threads 2 ;;
        np*) mpirun -np "${cfg#np}" --oversubscribe $bin run "bench/models/$model.toml" --out "$dir" -q ;;
      esac
      python3 - "$dir/summary.json" "$model" "$cfg" "$rep" "$load" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
model, cfg, rep, load = sys.argv[2:]
exchange = [round(r["exchange_seconds"], 3) for r in s.get("ranks", [])]
spikes = sum(s["spike_counts"].values())
print(f"{model:13s} {cfg:9s} rep {rep} load {load:5s} run {s['run_seconds']:.3f} "
      f"connect {s['connect_seconds']:.3f} spikes {spikes} exchange {exchange}")
PY
    done
  done
done
rm -rf "$out"
