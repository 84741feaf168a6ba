"""State and recordings between Brian2's arrays and a spikejit network.

Before each run, :func:`push_state` writes every state variable Brian2 holds
(the user may have changed them since the last run) into the spikejit
network; after it, :func:`pull_state` copies them back and
:func:`pull_monitors` fills Brian2's monitors, so that the rest of the script
reads them as usual (``mon.t/ms``, ``mon.i``, ``trace[1].v``,
``rate.smooth_rate(...)``).
"""

import numpy as np


def _values(var):
    """A Brian2 variable's values without units (its own array dtype)."""
    return np.asarray(var.get_value())


def push_state(net, handles, plan):
    """Every state variable and per-synapse delay, as Brian2 holds it now."""
    for obj, key, variables in plan.states:
        h = handles[key]
        for name, var in variables.items():
            value = _values(var)
            if var.scalar:
                net.set(h, name, float(value.ravel()[0]) if value.size else 0.0)
            elif value.size:
                net.set(h, name, np.ascontiguousarray(value, dtype=np.float64))
    for S, key, name, var in plan.delays:
        value = _values(var)
        if value.size:
            net.set(handles[key], name, np.ascontiguousarray(value, dtype=np.float64))


def _store(var, values):
    """Writes float64 values into a Brian2 array in place, in its dtype."""
    target = var.get_value()
    if target.dtype == np.bool_:
        var.set_value(np.asarray(values) != 0)
    elif np.issubdtype(target.dtype, np.integer):
        var.set_value(np.rint(values).astype(target.dtype))
    else:
        var.set_value(np.asarray(values, dtype=target.dtype))


def pull_state(net, handles, plan):
    """Every state variable back into Brian2's arrays."""
    for obj, key, variables in plan.states:
        h = handles[key]
        for name, var in variables.items():
            if var.read_only and var.constant:
                continue
            values = net.get(h, name)
            if var.scalar:
                _store(var, values[:1])
            else:
                _store(var, values)


def _set_dynamic(var, values):
    """Resizes a Brian2 dynamic array to ``values`` and fills it."""
    var.resize(values.shape if values.ndim > 1 else len(values))
    if values.size:
        var.get_value()[...] = values


class MonitorPrefix:
    """What a Brian2 monitor held when the spikejit network was built: what
    spikejit records comes after it (spikejit's recordings start empty)."""

    def __init__(self, kind, mon):
        self.kind = kind
        if kind == "spike":
            names = sorted(set(mon.record_variables) | ({"i", "t"} if mon.record else set()))
            self.arrays = {n: np.array(mon.variables[n].get_value()) for n in names}
            self.count = np.array(mon.variables["count"].get_value())
            self.n = int(np.asarray(mon.variables["N"].get_value()).ravel()[0])
        elif kind == "state":
            self.arrays = {n: np.array(mon.variables[n].get_value()) for n in list(mon.record_variables) + ["t"]}
        else:
            self.arrays = {n: np.array(mon.variables[n].get_value()) for n in ("t", "rate")}


def pull_monitors(net, handles, plan, prefixes):
    for kind, mon, key in plan.monitors:
        h = handles[key]
        prefix = prefixes[key]
        if kind == "spike":
            data = net.spike_monitor(h)
            for name, before in prefix.arrays.items():
                new = np.asarray(data[name])
                values = np.concatenate([before, new.astype(before.dtype)]) if len(before) else new.astype(before.dtype)
                _set_dynamic(mon.variables[name], values)
            new_count = np.asarray(data["count"]).astype(prefix.count.dtype)
            mon.variables["count"].set_value(prefix.count + new_count)
            # N counts the events also when they are not recorded (record=False)
            mon.variables["N"].set_value(prefix.n + int(new_count.sum()))
        elif kind == "state":
            data = net.state_monitor(h)
            t_before = prefix.arrays["t"]
            t = np.concatenate([t_before, np.asarray(data["t"])])
            _set_dynamic(mon.variables["t"], t)
            for name in mon.record_variables:
                before = prefix.arrays[name]
                # spikejit: (recorded index, time); Brian2: (time, recorded index)
                new = np.asarray(data[name]).T.astype(before.dtype)
                if new.ndim == 1:
                    new = new.reshape(len(data["t"]), -1)
                values = np.concatenate([before.reshape(-1, new.shape[1]), new]) if before.size else new
                _set_dynamic(mon.variables[name], values)
            mon.variables["N"].set_value(len(t))
        else:
            t_new, rate_new = net.rate_monitor(h)
            t = np.concatenate([prefix.arrays["t"], np.asarray(t_new)])
            rate = np.concatenate([prefix.arrays["rate"], np.asarray(rate_new)])
            _set_dynamic(mon.variables["t"], t)
            _set_dynamic(mon.variables["rate"], rate)
            mon.variables["N"].set_value(len(t))
