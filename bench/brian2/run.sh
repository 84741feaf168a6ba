#!/usr/bin/env bash
# Brian2 side of the benchmarks: runs bench/brian2/brian2_bench.py over a matrix of
# models x devices x repetitions and appends one JSON line per run to the output file.
#
#   bench/brian2/run.sh [OUTPUT.jsonl]         (default bench/results/brian2.jsonl)
#
# Environment (all optional):
#   MODELS      model:N list, default
#               "cuba:4000 cuba:16000 cuba:64000 cuba:256000 cobahh:4000 stdp:1000 brunel:12500
#               compartmental_hh:1000 compartmental_net:16"
#               (":N" may be left out: cuba 4000, cobahh 4000, stdp 1000, brunel 12500,
#               compartmental_hh 1000 (compartments), compartmental_net 16 (neurons))
#   DEVICES     default "cpp_standalone cython numpy"
#   THREADS     cpp_standalone's thread counts, default "1": each runs as its own
#               configuration (brian2_bench.py --threads: 1 is Brian2's build without
#               OpenMP, N > 1 sets openmp_threads = N; "1 2" runs both). cython and
#               numpy run on one thread, once, whatever THREADS says
#   REPS        repetitions per configuration, default 3 (the repetition loop is outermost,
#               so a burst of machine load hits different configurations)
#   REP_FIRST   index of the first repetition, default 0 (recorded in the lines; SLOW
#               configurations run at indices below REPS_SLOW only). `spikejit bench
#               --compare` calls this script once per model and repetition (REPS=1,
#               REP_FIRST=rep), right after spikejit's runs of the same model
#   WARMUP      1 (default): cython's untimed cache-filling run first; 0: none
#   BUSY_THRESHOLD  cores of other load above which a run is marked "busy" in its line,
#               default 0.2 (see brian2_bench.py --busy-threshold)
#   SLOW        configurations that cython and numpy run only REPS_SLOW times,
#               default "cuba:256000 stdp:1000 compartmental_net:16"
#   REPS_SLOW   default 1
#   RUN_TIMEOUT seconds per run (if `timeout` exists), default 3600
#   DURATION    bio seconds, overrides every model's duration (quick checks only)
#   BRIAN2_VENV virtual environment to use, default bench/brian2/.venv (created with
#               `pip install brian2==2.9.0 "numpy<2" scipy` if missing; scipy is what
#               Brian2's numpy device needs for SpatialNeuron, installed into an
#               existing venv that lacks it)
#   PYTHON      interpreter used to create the venv, default python3
#
# cython is reported warm: one untimed run per model:N fills the cache in
# bench/brian2/work/cython-cache before the timed runs. cpp_standalone builds a fresh
# project (full make) every run. Brian2's and the compilers' output goes to
# bench/brian2/work/logs/. Without Python (or if the venv or pip fails) it prints
# "Brian2 benchmarks skipped: ..." on stderr, writes nothing and exits 0. A failed run
# is reported on stderr and the script exits 1 at the end (the other runs still go on).
#
# Quick example:
#   MODELS="cuba:4000" DEVICES="cpp_standalone numpy" REPS=1 bench/brian2/run.sh /tmp/b.jsonl
#   MODELS="cuba:64000" DEVICES=cpp_standalone THREADS="1 2" REPS=1 bench/brian2/run.sh /tmp/b.jsonl
set -u

src=${BASH_SOURCE[0]}
case "$src" in */*) src=${src%/*} ;; *) src=. ;; esac
SCRIPT_DIR=$(cd "$src" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
OUT=${1:-$REPO/bench/results/brian2.jsonl}
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

MODELS=${MODELS:-"cuba:4000 cuba:16000 cuba:64000 cuba:256000 cobahh:4000 stdp:1000 brunel:12500 compartmental_hh:1000 compartmental_net:16"}
DEVICES=${DEVICES:-"cpp_standalone cython numpy"}
THREADS=${THREADS:-1}
REPS=${REPS:-3}
REP_FIRST=${REP_FIRST:-0}
WARMUP=${WARMUP:-1}
BUSY_THRESHOLD=${BUSY_THRESHOLD:-0.2}
REPS_SLOW=${REPS_SLOW:-1}
SLOW=${SLOW:-"cuba:256000 stdp:1000 compartmental_net:16"}
RUN_TIMEOUT=${RUN_TIMEOUT:-3600}
DURATION=${DURATION:-}
VENV=${BRIAN2_VENV:-$SCRIPT_DIR/.venv}
PYTHON=${PYTHON:-python3}
WORK=$SCRIPT_DIR/work
BENCH=$SCRIPT_DIR/brian2_bench.py

skip() {
    echo "Brian2 benchmarks skipped: $*" >&2
    exit 0
}

# ---------------------------------------------------------------- the environment
# scipy: Brian2's numpy device solves SpatialNeuron's cable equation with scipy
PIP_PACKAGES=(brian2==2.9.0 "numpy<2" scipy)
if [ ! -x "$VENV/bin/python" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || skip "$PYTHON not found"
    echo "creating the Brian2 venv in $VENV" >&2
    if ! "$PYTHON" -m venv "$VENV" >&2; then
        rm -rf "$VENV"
        skip "venv creation failed ($PYTHON -m venv $VENV)"
    fi
    if ! "$VENV/bin/pip" install "${PIP_PACKAGES[@]}" >&2; then
        rm -rf "$VENV"
        skip "pip install ${PIP_PACKAGES[*]} failed"
    fi
fi
PY="$VENV/bin/python"
# one import for the check and the version (each call of this script pays it)
brian2_version() { "$PY" -c "import brian2; print(brian2.__version__)" 2>/dev/null; }
if ! version=$(brian2_version); then
    echo "brian2 is not importable in $VENV: installing it" >&2
    "$VENV/bin/pip" install "${PIP_PACKAGES[@]}" >&2 \
        || skip "pip install ${PIP_PACKAGES[*]} failed (in $VENV)"
    version=$(brian2_version) || skip "brian2 cannot be imported from $VENV"
fi
if ! "$PY" -c "import scipy" 2>/dev/null; then
    echo "scipy is not importable in $VENV (Brian2's numpy device needs it for SpatialNeuron): installing it" >&2
    "$VENV/bin/pip" install scipy >&2 || echo "warning: pip install scipy failed; numpy runs of the compartmental models will fail" >&2
fi
[ "$version" = "2.9.0" ] || echo "warning: $VENV has brian2 $version, not 2.9.0" >&2

# cpp_standalone and cython need a C++ compiler (and make)
have_cxx=1
command -v "${CXX:-g++}" >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 || have_cxx=0
devices=""
for dev in $DEVICES; do
    case "$dev" in
        cpp_standalone|cython)
            if [ $have_cxx = 0 ] || { [ "$dev" = cpp_standalone ] && ! command -v make >/dev/null 2>&1; }; then
                echo "Brian2 $dev skipped: no C++ compiler or make" >&2
                continue
            fi ;;
        numpy) ;;
        *) echo "unknown device '$dev' (cpp_standalone, cython, numpy)" >&2; exit 2 ;;
    esac
    devices="$devices $dev"
done

# model[:N] -> model:N with the default size
normalize() {
    local m=${1%%:*} n=""
    case "$1" in *:*) n=${1#*:} ;; esac
    if [ -z "$n" ]; then
        case "$m" in
            cuba|cobahh) n=4000 ;;
            stdp) n=1000 ;;
            brunel) n=12500 ;;
            compartmental_hh) n=1000 ;;
            compartmental_net) n=16 ;;
            *) echo "unknown model '$m' (cuba, cobahh, stdp, brunel, compartmental_hh, compartmental_net)" >&2; exit 2 ;;
        esac
    fi
    echo "$m:$n"
}
specs=""
for s in $MODELS; do specs="$specs $(normalize "$s")" || exit 2; done
slow=""
for s in $SLOW; do slow="$slow $(normalize "$s")" || exit 2; done
for t in $THREADS; do
    case "$t" in
        '' | *[!0-9]* | 0) echo "bad thread count '$t' in THREADS (whole numbers, 1 or more)" >&2; exit 2 ;;
    esac
done

mkdir -p "$(dirname "$OUT")" "$WORK/logs" || exit 1
TIMEOUT=()
command -v timeout >/dev/null 2>&1 && TIMEOUT=(timeout "$RUN_TIMEOUT")

failures=0
# run_one MODEL:N DEVICE THREADS REP [discard]
run_one() {
    local spec=$1 dev=$2 threads=$3 rep=$4 discard=${5:-}
    local m=${spec%%:*} n=${spec#*:}
    local t_name="" t_text=""
    if [ "$threads" != 1 ]; then t_name="-t$threads" t_text=" threads=$threads"; fi
    local log="$WORK/logs/$m-$n-$dev$t_name-${discard:+warmup}${discard:-rep$rep}.log"
    local line rc
    echo "[$(date +%H:%M:%S)] brian2 $m N=$n $dev$t_text ${discard:+warm-up (untimed)}${discard:-rep=$rep}" >&2
    line=$("${TIMEOUT[@]}" "$PY" "$BENCH" --model "$m" --N "$n" --device "$dev" --threads "$threads" --rep "$rep" \
        --busy-threshold "$BUSY_THRESHOLD" ${DURATION:+--duration "$DURATION"} 2>"$log")
    rc=$?
    if [ $rc -ne 0 ] || [ "${line#\{\"model\"}" = "$line" ]; then
        echo "  FAILED (exit $rc), log: $log" >&2
        tail -n 5 "$log" | sed 's/^/    /' >&2
        failures=$((failures + 1))
        return
    fi
    [ -n "$discard" ] && return
    echo "$line" >>"$OUT"
}

if [ "$WARMUP" != 0 ]; then
    for spec in $specs; do
        case " $devices " in *" cython "*) run_one "$spec" cython 1 -1 warmup ;; esac
    done
fi
for ((rep = REP_FIRST; rep < REP_FIRST + REPS; rep++)); do
    for spec in $specs; do
        for dev in $devices; do
            if [ "$dev" != cpp_standalone ] && [ "$rep" -ge "$REPS_SLOW" ]; then
                case " $slow " in *" $spec "*) continue ;; esac
            fi
            if [ "$dev" = cpp_standalone ]; then
                for threads in $THREADS; do run_one "$spec" "$dev" "$threads" "$rep"; done
            else
                run_one "$spec" "$dev" 1 "$rep"
            fi
        done
    done
done

if [ $failures -gt 0 ]; then
    echo "Brian2 benchmarks: $failures run(s) failed; results so far in $OUT" >&2
    exit 1
fi
echo "Brian2 benchmarks done: $OUT" >&2
