"""Brian2 objects as calls on a ``spikejit._core.Network``.

:func:`build` takes the objects of a Brian2 ``Network`` as Brian2 created them
(equations, threshold/reset/event code, pathways, delays, connectivity and
state variables, monitors, clocks, schedule) and adds their equivalents to a
fresh spikejit network. Anything spikejit cannot express is refused with a
``NotImplementedError`` naming the feature and the object, before anything
runs. External names of the code (``taum``, ``we``, ``TimedArray`` functions)
are resolved by Brian2 itself (``Group._resolve``), against the group's own
namespace and the run namespace, exactly as a Brian2 run resolves them.
"""

import numpy as np

from brian2.core.functions import DEFAULT_FUNCTIONS, Function
from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_UNITS
from brian2.core.variables import Constant, Subexpression, Variable
from brian2.equations.equations import (
    BOOLEAN,
    DIFFERENTIAL_EQUATION,
    INTEGER,
    PARAMETER,
    SUBEXPRESSION,
)
from brian2.groups.group import CodeRunner
from brian2.groups.neurongroup import NeuronGroup, Resetter, StateUpdater, Thresholder
from brian2.groups.subgroup import Subgroup
from brian2.input.poissongroup import PoissonGroup
from brian2.input.poissoninput import PoissonInput
from brian2.input.spikegeneratorgroup import SpikeGeneratorGroup
from brian2.input.timedarray import TimedArray
from brian2.monitors.ratemonitor import PopulationRateMonitor
from brian2.monitors.spikemonitor import EventMonitor
from brian2.monitors.statemonitor import StateMonitor
from brian2.synapses.synapses import (
    StateUpdater as SynapticStateUpdater,
    SummedVariableUpdater,
    SynapticPathway,
    Synapses,
)
from brian2.utils.stringtools import get_identifiers

from .units import dims_list, quantity_code, unit_code

try:  # SpatialNeuron is a NeuronGroup; it is refused explicitly
    from brian2.spatialneuron.spatialneuron import SpatialNeuron, SpatialStateUpdater
except ImportError:  # pragma: no cover - every Brian2 2.x has it
    SpatialNeuron = SpatialStateUpdater = ()

# Names every group's code may use without a definition (spikejit knows them).
BUILTIN_NAMES = {"t", "dt", "t_in_timesteps", "i", "j", "N", "xi", "lastspike", "not_refractory",
                 "lastupdate", "N_incoming", "N_outgoing", "True", "False", "and", "or", "not"}

# The slot of each kind of contained object when the user did not move it.
DEFAULT_WHEN = {"stateupdater": "groups", "thresholder": "thresholds", "resetter": "resets"}


def unsupported(feature, obj):
    """The error for what spikejit cannot run, raised before anything runs."""
    name = getattr(obj, "name", repr(obj))
    return NotImplementedError(f"spikejit device: {feature} ({name}) is not supported")


def _clean_code(code):
    """Brian2's statements one per line, without the indentation of a
    triple-quoted string (Brian2 strips each line the same way)."""
    if code is None:
        return None
    lines = [line.strip() for line in str(code).splitlines()]
    return "\n".join(line for line in lines if line)


def _flags(eq):
    return f" ({', '.join(eq.flags)})" if eq.flags else ""


def _eq_unit(eq):
    if eq.var_type == INTEGER:
        return "integer"
    if eq.var_type == BOOLEAN:
        return "boolean"
    return unit_code(eq.dim)


def equation_line(eq, flags=None):
    """One Brian2 ``SingleEquation`` as a line of a model string."""
    flag_text = _flags(eq) if flags is None else flags
    unit = _eq_unit(eq)
    if eq.type == DIFFERENTIAL_EQUATION:
        return f"d{eq.varname}/dt = {eq.expr.code} : {unit}{flag_text}"
    if eq.type == SUBEXPRESSION:
        return f"{eq.varname} = {eq.expr.code} : {unit}{flag_text}"
    if eq.type == PARAMETER:
        return f"{eq.varname} : {unit}{flag_text}"
    raise AssertionError(f"unknown equation type {eq.type}")


def expression_codes(equations):
    """The expressions of equations (the code whose names are resolved)."""
    return [eq.expr.code for eq in equations if eq.expr is not None]


def neuron_model(group):
    """The model string of a NeuronGroup as the user gave it (Brian2's
    ``user_equations``: without ``lastspike``/``not_refractory``, with the
    ``(unless refractory)`` flag instead of Brian2's rewritten expression)."""
    return "\n".join(equation_line(eq) for eq in group.user_equations.ordered)


def links_of(group):
    """The ``(linked)`` parameters of a group: (name, target group, target
    variable, index) with index None (one to one), an array of the target's
    indices, or the name of an integer variable of ``group``."""
    out = []
    for eq in group.user_equations.ordered:
        if "linked" not in eq.flags:
            continue
        var = group.variables[eq.varname]
        if getattr(var.owner, "name", None) == group.name:
            raise unsupported(f"the linked variable '{eq.varname}' that was never linked", group)
        index_name = group.variables.indices[eq.varname]
        if index_name == "_idx":
            index = None
        elif index_name == "0":
            raise unsupported(f"the linked variable '{eq.varname}' of a shared variable", group)
        elif index_name.startswith("_"):
            index = np.asarray(group.variables[index_name].get_value(), dtype=np.int64).copy()
        else:
            index = index_name
        out.append((eq.varname, var.owner, var.name, index))
    return out


def synapses_model(S):
    """The model string of a Synapses object, rebuilt from what Brian2 split
    it into: continuous equations (clock-driven, parameters,
    subexpressions), event-driven equations and summed variables."""
    if S.subexpression_updater is not None:
        raise unsupported("a '(constant over dt)' synaptic subexpression", S)
    lines = []
    for eq in S.equations.ordered:
        if eq.varname == S.multisynaptic_index:
            continue  # spikejit adds it from multisynaptic_index=
        if "linked" in eq.flags:
            raise unsupported(f"the linked variable '{eq.varname}'", S)
        lines.append(equation_line(eq))
    if S.event_driven is not None:
        for eq in S.event_driven.ordered:
            if eq.type == DIFFERENTIAL_EQUATION:
                lines.append(equation_line(eq))
    for varname, updater in S.summed_updaters.items():
        unit = unit_code(S.variables[varname].dim)
        lines.append(f"{varname} = {updater.expression.code} : {unit} (summed)")
    return "\n".join(lines)


class Resolver:
    """External names of the code of every object, resolved by Brian2 against
    the object's namespace and the run namespace, collected as spikejit
    constants and timed arrays."""

    def __init__(self, run_namespace):
        self.run_namespace = run_namespace
        self.constants = {}  # name -> (value, dims, integer, first object)
        self.timed_arrays = {}  # name -> TimedArray

    def resolve(self, owner, codes, exclude=()):
        """Resolves every identifier of ``codes`` (strings) in the context of
        the Brian2 group ``owner``."""
        identifiers = set()
        for code in codes:
            if code:
                identifiers |= get_identifiers(code)
        for name in sorted(identifiers):
            if name in owner.variables:
                continue  # a variable of the group (or of its pre-/postsynaptic group)
            if (name in BUILTIN_NAMES or name in exclude or name in DEFAULT_UNITS
                    or name in DEFAULT_CONSTANTS or name in DEFAULT_FUNCTIONS or name.startswith("xi_")):
                continue
            try:
                resolved = owner._resolve(name, self.run_namespace)
            except KeyError:
                # Not known to Brian2 either: spikejit reports it, with its place
                continue
            self._add(owner, name, resolved)

    def _add(self, owner, name, resolved):
        if isinstance(resolved, Constant):
            raw = np.asarray(resolved.value)
            value = float(raw)
            # A Python int stays an integer in code (`//`, `%`, `range`), as in Brian2.
            integer = bool(np.issubdtype(raw.dtype, np.integer))
            dims = resolved.dim
            seen = self.constants.get(name)
            if seen is not None and (seen[0] != value or seen[1] != dims):
                raise unsupported(f"the name '{name}' with different values for different objects "
                                  f"({seen[3]} and {getattr(owner, 'name', owner)})", owner)
            self.constants[name] = (value, dims, integer, getattr(owner, "name", "?"))
        elif isinstance(resolved, TimedArray):
            seen = self.timed_arrays.get(name)
            if seen is not None and seen is not resolved:
                raise unsupported(f"two TimedArrays called '{name}'", owner)
            self.timed_arrays[name] = resolved
        elif isinstance(resolved, Function):
            raise unsupported(f"the user function '{name}' (Python code)", owner)
        elif isinstance(resolved, Variable):
            pass  # a variable of the group (or of its pre-/postsynaptic group)
        else:
            raise unsupported(f"the name '{name}' of type {type(resolved).__name__}", owner)

    def apply(self, net):
        self.apply_constants(net)
        for name, ta in sorted(self.timed_arrays.items()):
            values = np.asarray(ta.values, dtype=np.float64)
            cols = values.shape[1] if values.ndim == 2 else None
            net.add_timed_array(name, values.ravel(), float(ta.dt), dims_list(ta.dim), cols)

    def apply_constants(self, net):
        """Defines (again) every external constant: spikejit reads constants at
        every run, as Brian2 reads its namespace, so a value changed between
        runs needs no new build."""
        for name, (value, dims, integer, _) in sorted(self.constants.items()):
            net.constant(name, value, dims_list(dims), integer)

    def signature(self):
        """What a cached spikejit network was built with: the names of the
        constants with their units and types (their values may change between
        runs) and the timed arrays."""
        return (tuple(sorted((n, tuple(np.asarray(d._dims).tolist()), integer)
                             for n, (_, d, integer, _) in self.constants.items())),
                tuple(sorted((n, id(ta)) for n, ta in self.timed_arrays.items())))


# ---------------------------------------------------------------------------
# The plan: the calls on a spikejit network that make a Brian2 network
# ---------------------------------------------------------------------------


class Ref:
    """The handle of the spikejit object made for the Brian2 object ``name``."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Ref({self.name!r})"


class Plan:
    """What :func:`plan_network` found: the calls that build the spikejit
    network (``steps``: (method, args, kwargs, key of the handle)), the
    per-object state to copy in and out (``states``), the monitors, the
    clocks, and a ``signature`` of everything but the state values (a
    different signature is a new build)."""

    def __init__(self):
        self.steps = []
        self.states = []  # (brian2 object, key, {spikejit name: brian2 Variable})
        self.delays = []  # (synapses, key, spikejit name, brian2 Variable)
        self.resolver = None
        self.monitors = []  # (kind, brian2 monitor, key)
        self.spike_generators = []  # (brian2 group, key)
        self.clocks = set()
        self.signature_parts = []

    def call(self, _method, *args, key=None, _signature=None, **kwargs):
        """Adds a call; ``_signature`` replaces its arguments in the
        signature (for arrays that may change without a new build)."""
        self.steps.append((_method, args, kwargs, key))
        if _signature is None:
            _signature = (_sig(args), _sig(tuple(sorted(kwargs.items()))))
        self.signature_parts.append((_method, _signature, key))

    @property
    def signature(self):
        return tuple(self.signature_parts)


def _sig(value):
    """A hashable, comparable summary of an argument (arrays by content)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, hash(value.tobytes()))
    if isinstance(value, (list, tuple)):
        return tuple(_sig(v) for v in value)
    if isinstance(value, Ref):
        return ("ref", value.name)
    return value


def _dt_of(obj):
    """The dt (seconds) of an object not on the default clock, else None."""
    clock = obj.clock
    if clock.name == "defaultclock":
        return None
    return float(clock.dt_)


def _state_variables(obj, exclude=()):
    """The stored variables of a group or synapses that spikejit holds too:
    {name: Variable}, owned by ``obj``, not internal (``_...``), not derived."""
    from brian2.core.variables import ArrayVariable

    out = {}
    for name, var in obj.variables.items():
        if (name.startswith("_") or name in exclude or name in ("i", "j", "N", "t", "dt", "t_in_timesteps", "delay", "N_incoming", "N_outgoing")
                or not isinstance(var, ArrayVariable) or isinstance(var, Subexpression)):
            continue
        if getattr(var.owner, "name", None) != obj.name:
            continue  # a reference to another group's variable (v_post, ...)
        out[name] = var
    return out


# Brian2's default ``method=``: its automatic choice, which spikejit makes the same way
AUTOMATIC_METHODS = (("exact", "euler", "heun"), ("linear", "euler", "heun"))


def _method(choice, obj):
    """``method=`` of a group as spikejit takes it (None: the automatic choice)."""
    if choice is None or isinstance(choice, str):
        return choice
    if isinstance(choice, (list, tuple)) and tuple(choice) in AUTOMATIC_METHODS:
        return None
    if isinstance(choice, (list, tuple)) and all(isinstance(m, str) for m in choice):
        raise unsupported(f"a list of integration methods to choose from ({', '.join(choice)})", obj)
    raise unsupported("an integration method given as an object", obj)


def _check_when(obj, expected, what):
    if obj.when != expected:
        raise unsupported(f"moving the {what} to '{obj.when}'", obj)


def plan_network(objects, run_namespace):
    """The plan of the Brian2 objects ``objects`` (a network's sorted objects,
    contained objects included). Raises NotImplementedError for anything
    spikejit cannot run, before anything is built."""
    plan = Plan()
    resolver = Resolver(run_namespace)
    groups, synapses, poisson_groups, generators, poisson_inputs = [], [], [], [], []
    regular, monitors = [], []
    for obj in objects:
        if isinstance(obj, SpatialNeuron) or isinstance(obj, SpatialStateUpdater):
            raise unsupported("SpatialNeuron", obj)
        if not obj.active:
            raise unsupported("an inactive object", obj)
        if isinstance(obj, NeuronGroup):
            groups.append(obj)
        elif isinstance(obj, Synapses):
            synapses.append(obj)
        elif isinstance(obj, PoissonGroup):
            poisson_groups.append(obj)
        elif isinstance(obj, SpikeGeneratorGroup):
            generators.append(obj)
        elif isinstance(obj, PoissonInput):
            poisson_inputs.append(obj)
        elif isinstance(obj, (EventMonitor, StateMonitor, PopulationRateMonitor)):
            monitors.append(obj)
        elif isinstance(obj, Subgroup):
            pass  # made where an object uses it
        elif isinstance(obj, (StateUpdater, Thresholder, Resetter, SynapticPathway, SynapticStateUpdater,
                              SummedVariableUpdater)):
            pass  # part of its group or synapses
        elif type(obj) is CodeRunner and obj.template == "stateupdate":
            regular.append(obj)  # G.run_regularly(...)
        else:
            raise unsupported(f"{type(obj).__name__} objects", obj)
    # Parts of groups this network does not run would silently not run
    names = {o.name for o in objects}

    subgroups = {}

    def handle_of(group):
        """A Ref to the spikejit object of ``group``, making subgroups on demand."""
        if isinstance(group, Subgroup):
            if group.name not in subgroups:
                parent = handle_of(group.source)
                subgroups[group.name] = True
                plan.call("subgroup", parent, int(group.start), int(group.stop), name=group.name, key=group.name)
            return Ref(group.name)
        if group.name not in names:
            raise unsupported(f"an object using '{group.name}', which is not in the network,", group)
        return Ref(group.name)

    def root_of(group):
        return group.source if isinstance(group, Subgroup) else group

    # --- names of the code: resolved first, so that errors come before the build
    extra_codes = {}  # group name -> codes of run_regularly/PoissonInput run in its context
    for runner in regular:
        extra_codes.setdefault(runner.group.name, []).append(runner.abstract_code)
    for pi in poisson_inputs:
        if isinstance(pi.weight, str):
            extra_codes.setdefault(pi._group.name, []).append(pi.weight)

    neuron_specs = []
    for g in groups:
        model = neuron_model(g)
        events = {k: v for k, v in g.events.items()}
        threshold = events.pop("spike", None)
        reset = _clean_code(g.event_codes.get("spike"))
        run_on_event = [(e, _clean_code(c)) for e, c in g.event_codes.items() if e != "spike"]
        refractory = g._refractory
        if refractory is False or refractory is None:
            refractory_code = None
        elif isinstance(refractory, str):
            refractory_code = refractory
        else:
            refractory_code = quantity_code(refractory)
        su = g.state_updater
        method = _method(su.method_choice, g)
        if getattr(su, "method_options", None):
            raise unsupported("method_options", g)
        # Brian2's slots for event detection and event code (set_event_schedule
        # and run_on_event(when=...) move them; spikejit has no such option)
        for name, th in g.thresholder.items():
            _check_when(th, "thresholds" if name == "spike" else "after_thresholds", f"detection of '{name}' events")
            if th.order != g.order:
                raise unsupported(f"a different order for the detection of '{name}' events", g)
        for name, rs in g.resetter.items():
            _check_when(rs, "resets" if name == "spike" else "after_resets", f"code run on '{name}' events")
            if rs.order != g.order:
                raise unsupported(f"a different order for the code run on '{name}' events", g)
        codes = expression_codes(g.user_equations.ordered) + [threshold, reset, refractory_code if isinstance(refractory, str) else None]
        codes += list(events.values()) + [c for _, c in run_on_event] + extra_codes.get(g.name, [])
        resolver.resolve(g, codes)
        neuron_specs.append((g, dict(
            model=model, threshold=threshold, reset=reset, refractory=refractory_code, method=method,
            name=g.name, dt=_dt_of(g), order=int(g.order), when=None if su.when == "groups" else su.when,
            events=sorted(events.items()), run_on_event=run_on_event,
            dtype=sorted((n, "float32") for n, v in g.variables.items()
                         if getattr(v, "dtype", None) == np.float32 and v.owner is not None
                         and getattr(v.owner, "name", None) == g.name),
        )))
    # run_regularly and PoissonInput code on subgroups: resolved in the subgroup's context
    for runner in regular:
        if isinstance(runner.group, Subgroup):
            resolver.resolve(runner.group, [runner.abstract_code])
    for pi in poisson_inputs:
        if isinstance(pi._group, Subgroup) and isinstance(pi.weight, str):
            resolver.resolve(pi._group, [pi.weight])

    synapse_specs = []
    for S in synapses:
        model = synapses_model(S)
        pathways, scalar_delays, on_event = [], [], []
        for p in S._pathways:
            code = _clean_code(p.code)
            pathways.append((p.objname, code, p.prepost == "post"))
            if p.event != "spike":
                on_event.append((p.objname, p.event))
            _check_when(p, "synapses", "pathway")
            delay_var = p.variables["delay"]
            if delay_var.scalar:
                scalar_delays.append((p.objname, float(np.asarray(delay_var.get_value()).ravel()[0])))
        su = S.state_updater
        method = _method(su.method_choice, S) if su is not None else None
        if su is not None and getattr(su, "method_options", None):
            raise unsupported("method_options", S)
        summed_when = [(v, u.when) for v, u in S.summed_updaters.items() if u.when != "groups"]
        codes = expression_codes(S.equations.ordered)
        codes += expression_codes(S.event_driven.ordered) if S.event_driven is not None else []
        codes += [u.expression.code for u in S.summed_updaters.values()]
        codes += [c for _, c, _ in pathways] + extra_codes.get(S.name, [])
        resolver.resolve(S, codes)
        synapse_specs.append((S, dict(
            model=model, pathways=pathways, delays=scalar_delays, method=method, name=S.name,
            dt=_dt_of(S), order=int(S.order), when=None if su is None or su.when == "groups" else su.when,
            on_event=on_event, multisynaptic_index=S.multisynaptic_index, summed_when=summed_when,
            dtype=sorted((n, "float32") for n, v in _state_variables(S).items() if v.dtype == np.float32),
        )))

    for pg in poisson_groups:
        rates = pg._rates
        if isinstance(rates, str):
            rates_arg = rates
            resolver.resolve(pg, [rates])
        else:
            values = np.asarray(pg.variables["rates"].get_value(), dtype=np.float64)
            if len(values) and np.all(values == values[0]):
                rates_arg = f"({float(values[0])!r}/second)"
            else:
                rates_arg = values.copy()  # one rate per neuron, in Hz
        if _dt_of(pg) is not None or pg.when != "thresholds" or pg.order != 0:
            raise unsupported("a PoissonGroup with its own dt, when or order", pg)
        plan.call("add_poisson_group", len(pg), rates_arg, name=pg.name, key=pg.name)

    for sg in generators:
        if _dt_of(sg) is not None or sg.when != "thresholds" or sg.order != 0:
            raise unsupported("a SpikeGeneratorGroup with its own dt, when or order", sg)
        indices = np.asarray(sg.variables["neuron_index"].get_value(), dtype=np.int64).copy()
        times = np.asarray(sg.variables["spike_time"].get_value(), dtype=np.float64).copy()
        period = float(np.asarray(sg.variables["period"].get_value()).ravel()[0])
        plan.call("add_spike_generator", len(sg), indices, times, period, name=sg.name, key=sg.name,
                  _signature=(len(sg), sg.name))
        plan.spike_generators.append((sg, sg.name))

    for g, spec in neuron_specs:
        plan.call("add_neurons", len(g), spec.pop("model"), key=g.name, **spec)
        plan.states.append((g, g.name, _state_variables(g)))

    # Synapses in an order where each one's source and target exist already
    pending = list(synapse_specs)
    made = {g.name for g in groups} | {p.name for p in poisson_groups} | {s.name for s in generators}
    while pending:
        progress = False
        for item in list(pending):
            S, spec = item
            src, tgt = root_of(S.source), root_of(S.target)
            if src.name in made and tgt.name in made:
                plan.call("add_synapses", handle_of(S.source), handle_of(S.target), spec.pop("model"),
                          key=S.name, **spec)
                made.add(S.name)
                pending.remove(item)
                progress = True
                # connectivity exactly as Brian2 made it (indices relative to
                # the source and target, subgroups included)
                pre = np.asarray(S.variables["_synaptic_pre"].get_value(), dtype=np.int64) - getattr(S.source, "start", 0)
                post = np.asarray(S.variables["_synaptic_post"].get_value(), dtype=np.int64) - getattr(S.target, "start", 0)
                if len(pre):
                    plan.call("connect", Ref(S.name), i=pre, j=post, _signature=(len(pre),))
                plan.signature_parts.append(("synapses", S.name, len(S)))
                plan.states.append((S, S.name, _state_variables(S, exclude=(S.multisynaptic_index,))))
                for p in S._pathways:
                    var = p.variables["delay"]
                    if not var.scalar:
                        plan.delays.append((S, S.name, "delay" if p.objname == "pre" else f"{p.objname}.delay", var))
        if not progress:
            raise unsupported("synapses whose source or target is not in the network", pending[0][0])

    for g in groups:
        for name, target, target_var, index in links_of(g):
            plan.call("link", Ref(g.name), name, handle_of(target), target_var, index=index, key=None)

    for pi in poisson_inputs:
        if pi.when != "synapses" or pi.order != 0:
            raise unsupported("a PoissonInput with its own when or order", pi)
        weight = pi.weight if isinstance(pi.weight, str) else quantity_code(pi.weight)
        plan.call("add_poisson_input", handle_of(pi._group), pi.target_var, int(pi.N), float(pi.rate), weight,
                  name=pi.name, key=pi.name)

    for runner in regular:
        plan.call("run_regularly", handle_of(runner.group), _clean_code(runner.abstract_code), dt=_dt_of(runner),
                  when=runner.when, order=int(runner.order), key=None)

    for mon in monitors:
        if isinstance(mon, EventMonitor):
            variables = sorted(set(mon.record_variables) - {"i", "t"})
            plan.call("add_spike_monitor", handle_of(mon.source), event=mon.event, record=bool(mon.record),
                      variables=variables, when=mon.when, order=int(mon.order), name=mon.name, key=mon.name)
            plan.monitors.append(("spike", mon, mon.name))
        elif isinstance(mon, StateMonitor):
            record = np.asarray(mon.record, dtype=np.int64)
            plan.call("add_state_monitor", handle_of(mon.source), list(mon.record_variables), record,
                      dt=_dt_of(mon), when=mon.when, order=int(mon.order), name=mon.name, key=mon.name)
            plan.monitors.append(("state", mon, mon.name))
        else:
            plan.call("add_rate_monitor", handle_of(mon.source), name=mon.name, when=mon.when,
                      order=int(mon.order), key=mon.name)
            plan.monitors.append(("rate", mon, mon.name))

    plan.clocks = {obj.clock for obj in objects}
    plan.resolver = resolver
    plan.signature_parts.append(("names", resolver.signature()))
    return plan
