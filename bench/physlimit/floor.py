#!/usr/bin/env python3
"""Each benchmark model's physical floor on this machine, from the probe's figures.

    bench/physlimit/floor.py bench/results/probe.json [bench/results/spikejit.json]

probe.json is what `spikejit bench --probe` writes; spikejit.json (optional) is
what `spikejit bench --threads 1,2` writes: its median run seconds fill the
"measured" and "ratio" columns. Prints the Markdown table of
docs/performance.md, "Distance to the physical floor", where the counts below
are explained (bytes, flops, exp calls per kernel, from each kernel's IR:
SPIKEJIT_DUMP_IR=1 / SPIKEJIT_DUMP_ASM=1 on bench/models/*.toml).

The floor of a run is, summed over its kernels (they run one after another in
a step), max(bytes / bandwidth, flops / flop rate + exp calls x the cost of one
call, divisions / division rate): memory, the floating-point ports (which
`exp` shares with the multiply-adds) and the divider each work beside the
others. The bandwidth of a stream of bytes is
the highest of the probe's five kernels at the probe's working set that
matches its data: the same cache level by the sizes sysfs gives (as the probe
labels its rows), the nearest in size there, else the nearest in size.
The flop rate is the probe's best multiply-add rate (f64x4 FMA), the division
rate its best (f64x2); an `exp` counts as the arithmetic of the algorithm
glibc and spikejit use (EXP_FLOPS: its 8 fused multiply-adds and 4 other
operations; the table loads and integer work are not counted): a floor for any
code on this machine, not only spikejit's. Random draws are left out. (The
probe's measured cost of one scalar call is printed beside, not used: the
two-lane `exp` of the JIT is faster than a call.)
"""

import json
import math
import sys

EXP_FLOPS = 20  # 8 FMA (2 flops each) + 4 multiplies, adds and subtractions
STEPS = 10_000  # 1 s at dt = 0.1 ms (STDP: 10 s, 100,000 steps)
LEVELS = ["L1", "L2", "L3", "DRAM"]

# Synaptic events, spikes and synapses of each bundled model's run (seed 1;
# summary.json: synaptic_events, spike_counts, synapse_counts). The runs are
# seeded: every build that keeps the results gives the same counts.
CUBA = {  # N: (synaptic events, synapses)
    4000: (1_775_189, 319_927),
    16000: (7_215_035, 1_280_214),
    64000: (28_618_408, 5_119_655),
    256000: (115_697_975, 20_484_174),
}
COBAHH_EVENTS, COBAHH_SYNAPSES = 11_586_810, 319_041
STDP_INPUT_SPIKES, STDP_OUTPUT_SPIKES = 150_327, 561  # pre events 1 per input spike, post 1000 per output spike
BRUNEL_EVENTS, BRUNEL_SYNAPSES = 491_607_755, 15_626_236


def kernel(name, streams, flops=0.0, divisions=0.0, exp=0.0, threads=1):
    """streams: (bytes per run, bytes of the data they come from) pairs."""
    return dict(name=name, streams=streams, flops=flops, divisions=divisions, exp=exp, threads=threads)


def cuba(n, threads):
    events, synapses = CUBA[n]
    s = n * STEPS
    return [
        # loads lastspike, ge, gi, v (32 B), stores not_refractory, ge, gi, v (25 B); 10 flops
        kernel("update+threshold", [(57 * s, 33 * n)], flops=10 * s, threads=threads),
        # per event: _post[syn] (4 B, the synapse table); the queue's write and the kernel's
        # read of the synapse index (8 B), ge or gi read and written (16 B); 1 add
        kernel("pathways", [(4 * events, 4 * synapses), (24 * events, 16 * n)], flops=events, threads=threads),
    ]


def cobahh():
    s = 4000 * STEPS
    return [
        # loads lastspike, ge, gi, v, h, m, n (56 B), stores not_refractory and the six (49 B);
        # 99 flops of which 8 divisions (11 negations not counted), 10 exp calls
        kernel("update+threshold", [(105 * s, 57 * 4000)], flops=91 * s, divisions=8 * s, exp=10 * s),
        kernel("pathways", [(4 * COBAHH_EVENTS, 4 * COBAHH_SYNAPSES), (24 * COBAHH_EVENTS, 16 * 4000)],
               flops=COBAHH_EVENTS),
    ]


def stdp():
    steps = 100_000
    pre, post = STDP_INPUT_SPIKES, STDP_OUTPUT_SPIKES * 1000
    return [
        # rates[i] (8 B) and one multiply per input and step (the uniform draw left out)
        kernel("Poisson input threshold", [(8 * 1000 * steps, 8 * 1000)], flops=1000 * steps),
        # the one neuron: ge, v read and written, v read again (40 B), 5 flops; the w monitor 40 B
        kernel("neuron, monitor", [(80 * steps, 64)], flops=5 * steps),
        # S_pre: lastupdate, Apost, Apre, w read and written (64 B), _post, ge (12 B),
        # the synapse index (8 B); 7 flops, 1 exp
        kernel("on_pre", [(92 * pre, 36 * 1000)], flops=7 * pre, exp=pre),
        # S_post: the four read and written (64 B), the index (8 B); 6 flops, 1 exp
        kernel("on_post", [(72 * post, 36 * 1000)], flops=6 * post, exp=post),
    ]


def brunel():
    n, s, e = 12500, 12500 * STEPS, BRUNEL_EVENTS
    return [
        # loads lastspike, v (16 B), stores not_refractory, v (9 B); 3 flops
        kernel("update+threshold", [(25 * s, 17 * n)], flops=3 * s),
        # not_refractory (1 B), v read and written (16 B); 2 flops (the binomial draw left out)
        kernel("PoissonInput", [(17 * s, 9 * n)], flops=2 * s),
        # _post (4 B, the synapse table), the index (8 B), not_refractory[post] (1 B),
        # v[post] read and written (16 B); 1 add
        kernel("pathways", [(4 * e, 4 * BRUNEL_SYNAPSES), (25 * e, 9 * n + 4 * 49_000)], flops=e),
    ]


MODELS = [
    ("cuba_4000", 1, cuba(4000, 1)),
    ("cuba_16000", 1, cuba(16000, 1)),
    ("cuba_64000", 1, cuba(64000, 1)),
    ("cuba_64000", 2, cuba(64000, 2)),
    ("cuba_256000", 1, cuba(256000, 1)),
    ("cuba_256000", 2, cuba(256000, 2)),
    ("cobahh_4000", 1, cobahh()),
    ("stdp", 1, stdp()),
    ("brunel_12500", 1, brunel()),
]


def cache_for(caches, size, threads):
    """The probe's rule (src/bench/probe/mod.rs, cache_for)."""
    for c in caches:
        if c["kind"] == "Instruction":
            continue
        sharing = min(threads, max(c["shared_by"], 1))
        if size // threads * sharing <= c["bytes"]:
            return "L%d" % c["level"]
    return "DRAM"


def main():
    probe = json.load(open(sys.argv[1]))
    measured = {}
    if len(sys.argv) > 2:
        for r in json.load(open(sys.argv[2]))["results"]:
            measured[(r["name"], r.get("threads", 1))] = r["run_s"]["median"]
    rows = {}
    for b in probe["bandwidth"]:
        key = (b["working_set"], b["threads"])
        rows.setdefault(key, dict(size=b["working_set_bytes"], cache=b["cache"], rate=0.0))
        rows[key]["rate"] = max(rows[key]["rate"], b["gb_per_s"] * 1e9)

    def bandwidth(size, threads):
        mine = [r for (_, t), r in rows.items() if t == threads]
        level = cache_for(probe["caches"], size, threads)
        same = [r for r in mine if r["cache"] == level] or mine
        return min(same, key=lambda r: abs(math.log(r["size"] / max(size, 1))))["rate"]

    def rate(kind, threads=1):
        return next(f["gflop_per_s"] * 1e9 for f in probe["flops"] if f["kind"] == kind and f["threads"] == threads)

    exp_s = next(e["ns_per_call"] * 1e-9 for e in probe["exp"] if e["pattern"] == "independent" and e["threads"] == 1)
    print("| model | threads | memory | flops | divisions | exp | floor | measured run | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    measured_teams = {b["threads"] for b in probe["bandwidth"]} & {f["threads"] for f in probe["flops"]}
    for name, threads, kernels in MODELS:
        if any(k["threads"] not in measured_teams for k in kernels):
            print(f"| {name} | {threads} | the probe ran no team of {threads} threads | | | | | | |")
            continue
        mem = flop = div = exp = floor = 0.0
        for k in kernels:
            t = k["threads"]
            m = sum(b / bandwidth(size, t) for b, size in k["streams"])
            f = k["flops"] / rate("f64x4_fma", t)
            d = k["divisions"] / rate("f64x2_div", t)
            x = k["exp"] * EXP_FLOPS / rate("f64x4_fma", t)
            mem, flop, div, exp, floor = mem + m, flop + f, div + d, exp + x, floor + max(m, f + x, d)
        run = measured.get((name, threads))
        cells = f"{run:.3f} s | {run / floor:.2f}×" if run else " | "
        print(
            f"| {name} | {threads} | {mem:.4f} s | {flop:.4f} s | {div:.4f} s | {exp:.4f} s | **{floor:.4f} s** "
            f"| {cells} |"
        )
    print(f"\n(one scalar exp call, measured: {exp_s * 1e9:.2f} ns; not in the floor)")
    if probe.get("busy"):
        print("\n(the probe ran beside other load: its figures are too low, these floors too high)")


if __name__ == "__main__":
    main()
