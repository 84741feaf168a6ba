#!/usr/bin/env bash
# Regenerates the Brian2 reference data of the example models made from Brian2's
# examples (examples/*.toml: COBAHH, adaptive_threshold, float_32_64_benchmark,
# Brunel_2000, Brunel_Hakim_1999, Brunel_Wang_2001, Diesmann_et_al_1999,
# Graupner_Brunel_2012, Izhikevich_2003, Izhikevich_2007, Sturzl_et_al_2000,
# Vogels_et_al_2011, licklider, Stimberg_et_al_2018 examples 2 and 6,
# STDP_standalone, cuba_openmp), which tests/examples_models.rs compares
# spikejit against:
#
#   tests/reference/examples_models.sh [NAME...]   (from anywhere; it works from the repo root)
#
# With NAMEs (izhikevich_2007, cobahh_det, brunel_2000, ...) only those are regenerated.
#
# - the deterministic example (izhikevich_2007) and the deterministic variants in
#   tests/reference/models/examples/ (NAME_det.toml: the noise multiplied by 0,
#   rand()/p replaced by expressions of i and conditions): every output of
#   `run FILE [--dump-state]` into expected/examples/NAME/, with the timing keys
#   stripped from summary.json (diesmann_et_al_1999_det and brunel_2000_det without
#   --dump-state: their 90000 and 15.6 million synapses would make the fixture large);
# - the random examples: runs with --seed 1 ... 5 into a temporary directory (with
#   --dump-state where the statistics read the final state), of which only
#   expected/examples/NAME_stats.json is kept (statistics defined in
#   examples_models_stats.py).
#
# Needs Python >= 3.11 and the Brian2 runner of the shared specs
# (../shared/brian2-runner/spikejit_brian2.py from the repo root; override with
# BRIAN2_RUNNER=/path/to/spikejit_brian2.py). Creates .venv (brian2==2.9.0,
# numpy<2) if it is missing. Takes about 15 minutes (Brian2's numpy runtime).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
EXP=$REF/expected/examples

mkdir -p "$EXP"

# the names given on the command line, or all
wanted() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n
  for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}
ONLY=("$@")

# deterministic example and variants: every output is a fixture
for file in examples/izhikevich_2007.toml \
            $REF/models/examples/brunel_2000_det.toml \
            $REF/models/examples/cobahh_det.toml \
            $REF/models/examples/diesmann_et_al_1999_det.toml \
            $REF/models/examples/graupner_brunel_2012_det.toml \
            $REF/models/examples/licklider_det.toml \
            $REF/models/examples/stimberg_2018_gchi_astrocyte_det.toml \
            $REF/models/examples/sturzl_det.toml; do
  name="$(basename "$file" .toml)"
  wanted "$name" || continue
  dump="--dump-state"
  case "$name" in  # too many synapses for a fixture of their state
    diesmann_et_al_1999_det|brunel_2000_det) dump="";;
  esac
  fixture "$file" "$EXP/$name" $dump
done

# random examples: statistics over seeds 1..5, the runs themselves are not kept
for name in adaptive_threshold cuba_openmp float_32_64_benchmark cobahh brunel_2000 \
            brunel_hakim_1999 diesmann_et_al_1999 graupner_brunel_2012 izhikevich_2003 \
            sturzl_et_al_2000 vogels_et_al_2011 licklider stdp_standalone \
            stimberg_2018_gchi_astrocyte stimberg_2018_coba_with_astro brunel_wang_2001; do
  wanted "$name" || continue
  dump=""
  case "$name" in  # the statistics of these read state/
    graupner_brunel_2012|vogels_et_al_2011|stdp_standalone|stimberg_2018_coba_with_astro) dump="--dump-state";;
  esac
  seed_runs "examples/$name.toml" "$TMP/$name" 5 $dump
  "$PY" "$REF/examples_models_stats.py" "$name" --out "$EXP/${name}_stats.json" "${runs[@]}"
  rm -rf "${TMP:?}/$name"
done

du -sh "$EXP"
