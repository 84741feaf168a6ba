//! The bad-input catalogue: one small model file per mistake in
//! `tests/bad_inputs/`, each run through `spikejit check FILE` and
//! `spikejit run FILE --out TMP`. Both must fail with exit code 1, without a
//! panic, with the expected error code on the first error, pointing at the
//! expected line and column of the file (inside the model string where the
//! mistake is in one), and with a key phrase of the message or its help.
//!
//! A row of [`CASES`] is (file, code, line, column, phrase). All cases run, and
//! the test reports every failing one with its stderr.
//!
//! [`WARNING_CASES`] are models that run but hold a likely mistake, one file
//! each in `tests/bad_inputs/warnings/`: both commands must succeed (exit 0)
//! and print `warning[code]` pointing at the expected line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (file in tests/bad_inputs, error code, line, column, phrase)
type Case = (&'static str, &'static str, usize, usize, &'static str);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- syntax -------------------------------------------------------------------------
    ("syntax_equation.toml",            "syntax", 9, 7,   "expected '=' after 'dv/dt', found '-'"),
    ("syntax_expression.toml",          "syntax", 8, 30,  "expected an operator or ')', found ':'"),
    ("syntax_reset.toml",               "syntax", 10, 14, "expected an expression, found '='"),
    ("syntax_on_pre.toml",              "syntax", 18, 5,  "expected an expression, found the end of the statement"),
    ("syntax_threshold.toml",           "syntax", 9, 26,  "found the end of the text"),
    ("syntax_generator.toml",           "syntax", 14, 25, "expected a name, found 'in'"),
    ("syntax_chained_comparison.toml",  "syntax", 9, 14,  "chained comparisons such as 'a < b < c' are not supported"),
    ("syntax_if_expression.toml",       "syntax", 8, 21,  "conditional expressions ('a if c else b') are not supported"),
    ("syntax_if_statement.toml",        "syntax", 10, 10, "abstract code has no 'if'"),
    ("syntax_bitwise_and.toml",         "syntax", 9, 25,  "the operator '&' is not supported: use 'and' instead"),
    ("equation_missing_unit.toml",      "syntax", 10, 21, "expected a unit (such as 'volt' or '1'), found the end of the text"),
    ("equation_missing_colon.toml",     "syntax", 9, 19,  "expected an operator or ':' and the unit, found 'dw'"),
    ("nesting_too_deep.toml",           "syntax", 8, 214, "parentheses are nested more than 200 deep"),
    ("expression_too_deep.toml",        "syntax", 9, 14,  "this expression is nested too deeply"),
    ("constant_syntax.toml",            "syntax", 6, 13,  "expected an operator or the end of the text, found ')'"),
    ("toml_syntax.toml",                "toml", 2, 12,    "invalid TOML: unclosed table"),
    ("toml_unclosed_string.toml",       "toml", 3, 17,    "invalid TOML: invalid basic string"),
    ("duplicate_toml_key.toml",         "toml", 4, 1,     "duplicate key"),
    // ---- units --------------------------------------------------------------------------
    ("unit_equation.toml",              "unit-mismatch", 9, 9,   "the right-hand side has unit volt, but volt/second was expected"),
    ("unit_subexpression.toml",         "unit-mismatch", 10, 5,  "the right-hand side has unit volt, but amp was expected"),
    ("unit_reset.toml",                 "unit-mismatch", 10, 14, "the right-hand side of 'v = 0*amp' has unit amp, but 'v' has unit volt"),
    ("unit_on_pre.toml",                "unit-mismatch", 16, 21, "the right-hand side of 'v_post += w' has unit 1, but 'v_post' has unit volt"),
    ("unit_threshold.toml",             "unit-mismatch", 9, 14,  "'v' has unit volt, '1*nA' has unit amp"),
    ("unit_condition.toml",             "unit-mismatch", 14, 27, "'v_pre' has unit volt, '3' has unit 1"),
    ("unit_function_argument.toml",     "unit-mismatch", 8, 22,  "argument 1 of function 'exp' must be dimensionless, but 'v' has unit volt"),
    ("unit_refractory.toml",            "unit-mismatch", 11, 15, "the refractory period must be a time or a boolean condition"),
    ("unit_connect_p.toml",             "unit-mismatch", 14, 19, "the connection probability p"),
    ("unit_init.toml",                  "unit-mismatch", 9, 15,  "'v = 3*nA' has unit amp, but 'v' has unit volt"),
    ("unit_delay.toml",                 "unit-mismatch", 16, 10, "\"1*mV\" is not a time (its unit is volt)"),
    ("unit_run_regularly.toml",         "unit-mismatch", 9, 32,  "('v' has unit volt; '1*ms' has unit second)"),
    ("unit_not_base.toml",              "bad-unit", 8, 31,       "Use 'volt' instead"),
    ("unit_spec_quantity.toml",         "bad-unit", 8, 14,       "does not evaluate to a unit but to a quantity"),
    ("bool_unit.toml",                  "bad-unit", 8, 14,       "Use 'boolean' not 'bool'"),
    ("floor_division_units.toml",       "unit-mismatch", 9, 14,  "floor division can only be used on dimensionless values"),
    ("power_units.toml",                "unit-mismatch", 8, 21,  "the exponent 'v' must be dimensionless"),
    ("constant_unit_mismatch.toml",     "unit-mismatch", 6, 6,   "uses inconsistent units"),
    ("constant_number_units.toml",      "unit-mismatch", 11, 18, "volt/second was expected"),
    ("dt_not_time.toml",                "unit-mismatch", 3, 7,   "simulation.dt: \"0.1*mV\" is not a time"),
    ("duration_not_time.toml",          "unit-mismatch", 3, 13,  "simulation.duration: \"1*mV\" is not a time"),
    ("timed_array_dt.toml",             "unit-mismatch", 8, 7,   "is not a time (its unit is volt)"),
    ("generator_times_unit.toml",       "unit-mismatch", 9, 21,  "times[1]: \"0.2*mV\" is not a time"),
    ("poisson_rate_unit.toml",          "unit-mismatch", 8, 10,  "the rates must have unit hertz"),
    ("poisson_input_weight_unit.toml",  "unit-mismatch", 16, 11, "has unit amp, but volt was expected"),
    ("summed_unit.toml",                "unit-mismatch", 17, 26, "has unit volt, but 'I' of group 'G' has unit amp"),
    ("protocol_set_unit.toml",          "unit-mismatch", 14, 10, "'v = 3*nA' has unit amp, but 'v' has unit volt"),
    // ---- names --------------------------------------------------------------------------
    ("unknown_identifier.toml",         "unknown-name", 11, 21,  "did you mean 'tau'?"),
    ("unknown_identifier_reset.toml",   "unknown-name", 13, 14,  "did you mean 'Vr'?"),
    ("unknown_identifier_on_pre.toml",  "unknown-name", 16, 21,  "did you mean 'weight'?"),
    ("unknown_identifier_threshold.toml", "unknown-name", 9, 14, "did you mean 'v'?"),
    ("unknown_identifier_condition.toml", "unknown-name", 17, 39, "did you mean 'x_post'?"),
    ("unknown_function.toml",           "unknown-function", 8, 19, "did you mean 'exp'?"),
    ("unknown_function_reset.toml",     "unknown-function", 10, 14, "did you mean 'clip'?"),
    ("function_arity.toml",             "arity", 8, 18,          "function 'exp' was called with 2 arguments, needs 1"),
    ("init_unknown_identifier.toml",    "unknown-name", 9, 15,   "the identifier 'Vrest' could not be resolved"),
    ("constant_unknown.toml",           "unknown-name", 6, 10,   "the identifier 'taux' could not be resolved"),
    ("timed_array_unit.toml",           "unknown-name", 8, 9,    "did you mean 'amp'?"),
    ("connect_n_incoming.toml",         "unknown-name", 14, 27,  "a connect statement cannot refer to 'N_incoming'"),
    ("init_unknown_var.toml",           "unknown-variable", 9, 10, "did you mean 'v'?"),
    ("protocol_set_unknown_var.toml",   "unknown-variable", 13, 8, "did you mean 'v'?"),
    ("unknown_monitor_variable.toml",   "unknown-variable", 14, 19, "did you mean 'v'?"),
    ("poisson_input_target_var.toml",   "unknown-variable", 13, 15, "'G' has no variable 'u'"),
    ("name_is_unit.toml",               "bad-name", 8, 10,       "'ms' is the name of a unit"),
    ("pre_suffix_name.toml",            "bad-name", 8, 10,       "the '_pre' and '_post' suffixes"),
    ("reserved_name_delay.toml",        "bad-name", 14, 10,      "'delay' is a reserved name"),
    ("constant_shadows_unit.toml",      "bad-name", 6, 1,        "'ms' is a unit name and cannot be redefined"),
    ("event_named_spike.toml",          "bad-name", 9, 12,       "'spike' is the event of the threshold"),
    // ---- flags, definitions -------------------------------------------------------------
    ("unknown_flag.toml",               "bad-flag", 8, 37,       "did you mean 'unless refractory'?"),
    ("flag_wrong_type.toml",            "bad-flag", 8, 20,       "a parameter of a neuron group cannot have the flag 'unless refractory'"),
    ("flag_event_driven_in_neurons.toml", "bad-flag", 8, 37,     "cannot have the flag 'event-driven'"),
    ("flag_conflict.toml",              "bad-flag", 15, 10,      "flag 'event-driven' cannot be combined with flag 'clock-driven'"),
    ("summed_in_neurons.toml",          "bad-flag", 8, 21,       "cannot have the flag 'summed'"),
    ("flag_linked_combined.toml",       "bad-flag", 8, 10,       "flag 'linked' cannot be combined with other flags"),
    ("link_unit_mismatch.toml",         "unit-mismatch", 14, 16, "does not match its link target 'G.v'"),
    ("link_unset.toml",                 "link-unset", 10, 1,     "'l' of 'H' is a linked variable that is not linked"),
    ("link_write.toml",                 "read-only", 18, 10,     "spikejit does not write through linked variables"),
    ("link_index_out_of_range.toml",    "bad-link", 14, 37,      "contains 2, outside the valid range [0, 2)"),
    ("link_unknown_variable.toml",      "unknown-variable", 14, 16, "'G' has no variable 'u'"),
    ("duplicate_variable.toml",         "duplicate", 10, 1,      "duplicate definition of variable 'v'"),
    ("duplicate_object_name.toml",      "duplicate-name", 12, 8, "the name 'G' is already used by neurons 'G'"),
    ("cyclic_subexpressions.toml",      "cycle", 10, 1,          "they form a cycle: a -> b -> a"),
    ("xi_in_subexpression.toml",        "bad-noise", 10, 5,      "contains the symbol 'xi' but is not a differential equation"),
    ("xi_twice.toml",                   "bad-noise", 10, 22,     "it is already used in the equation defining 'v'"),
    ("stateful_subexpression.toml",     "stateful-subexpression", 10, 5, "add the flag '(constant over dt)'"),
    ("shared_subexpression.toml",       "shared-subexpression", 10, 5, "refers to the non-shared variable 'v'"),
    ("event_driven_on_clock_driven.toml", "bad-dependency", 17, 10, "should not depend on the clock-driven variable 'x'"),
    // ---- writing what cannot be written -------------------------------------------------
    ("assign_constant.toml",            "read-only", 13, 10,     "'Vr' is a constant and cannot be written"),
    ("assign_t.toml",                   "read-only", 10, 10,     "'t' is the clock's time and cannot be written"),
    ("assign_i.toml",                   "read-only", 15, 11,     "'i' is an index and cannot be written"),
    ("assign_j.toml",                   "read-only", 17, 1,      "'j' is an index and cannot be written"),
    ("assign_N.toml",                   "read-only", 10, 10,     "'N' is a constant and cannot be written"),
    ("assign_subexpression.toml",       "read-only", 13, 10,     "cannot write to subexpression 'u'"),
    ("assign_shared_in_reset.toml",     "read-only", 13, 10,     "writing to the shared variable 's' is not allowed"),
    ("init_readonly.toml",              "read-only", 9, 10,      "'i' cannot be set"),
    ("set_before_connect.toml",         "not-connected", 18, 11, "cannot write to synaptic variable 'w' of 'S'"),
    ("init_before_connect.toml",        "not-connected", 15, 10, "call connect first"),
    // ---- conditions ---------------------------------------------------------------------
    ("threshold_not_boolean.toml",      "not-boolean", 9, 14,    "the threshold condition 'v' is not a boolean expression"),
    ("condition_not_boolean.toml",      "not-boolean", 14, 27,   "the connection condition 'i + j' is not a boolean expression"),
    ("event_not_boolean.toml",          "not-boolean", 9, 18,    "is not a boolean expression (it is float with unit volt)"),
    // ---- connect ------------------------------------------------------------------------
    ("index_out_of_range.toml",         "bad-index", 14, 22,     "the source index 5 is outside the range [0, 2]"),
    ("index_negative.toml",             "bad-index", 14, 28,     "the target index -1 is outside the range [0, 2]"),
    ("generator_out_of_range.toml",     "connect", 14, 19,       "j=-1 outside range 0 to 2"),
    ("generator_i_out_of_range.toml",   "connect", 14, 19,       "i=3 outside range 0 to 2"),
    ("sample_too_big.toml",             "connect", 14, 30,       "Requested sample size 5 is bigger than the population size 3"),
    ("range_not_integer.toml",          "type", 14, 36,          "needs to be an integer"),
    ("generator_with_p.toml",           "bad-connect", 14, 50,   "generator syntax cannot be combined with the p argument"),
    ("connect_condition_and_i.toml",    "bad-connect", 14, 39,   "cannot combine a condition with i or j"),
    ("connect_skip_arrays.toml",        "bad-connect", 14, 50,   "skip_if_invalid can only be used with generator"),
    ("connect_p_nan.toml",              "bad-probability", 14, 19, "the connection probability p is NaN for i = 0"),
    ("connect_n_float.toml",            "wrong-type", 14, 18,    "connect[0].n: expected an integer or a string"),
    ("all_to_all_huge.toml",            "too-large", 14, 12,     "1000000000000 synapses would need"),
    ("connect_p_above_one.toml",        "bad-probability", 14, 18, "the connection probability p must be between 0 and 1, got 1.5"),
    ("connect_p_negative.toml",         "bad-probability", 14, 18, "must be between 0 and 1, got -0.2"),
    ("connect_p_constant_expression.toml", "bad-probability", 14, 19, "must be between 0 and 1, but it is 1.8"),
    ("connect_n_negative.toml",         "bad-count", 14, 18,     "the number of synapses per pair n must not be negative, got -1"),
    ("connect_n_expression_negative.toml", "bad-count", 14, 19,  "the number of synapses n is -1 for the pair i = 2, j = 0"),
    // ---- synapse views (index = [pre, post(, k)]) ---------------------------------------
    ("view_index_out_of_range.toml",    "bad-index", 16, 30,     "the presynaptic index 5 is outside the range [0, 2] (the source of 'S')"),
    ("view_slice_malformed.toml",       "bad-index", 16, 32,     "\"1:x\" has \"x\", which is not a non-negative integer"),
    ("view_slice_empty.toml",           "bad-index", 16, 30,     "the presynaptic slice 2:2 selects no neuron"),
    ("view_slice_beyond_target.toml",   "bad-index", 21, 9,      "the postsynaptic slice 1:4 goes beyond the range [0, 2] (the target of 'S')"),
    ("view_k_without_multisynaptic_index.toml", "bad-index", 21, 9, "needs the multisynaptic_index of 'S' to be set"),
    ("view_four_indices.toml",          "wrong-type", 16, 30,    "expected a condition string or a synapse view"),
    // ---- delays -------------------------------------------------------------------------
    ("delay_negative.toml",             "bad-delay", 16, 10,     "the delay must be a non-negative time"),
    ("delay_negative_per_synapse.toml", "bad-delay", 17, 19,     "synapse 0 gets the delay -1.0 ms"),
    ("delay_unknown_pathway.toml",      "bad-delay", 16, 19,     "cannot set the delay for pathway 'post': unknown pathway"),
    ("delay_too_long.toml",             "bad-delay", 16, 10,     "more than a spike queue holds (2^53 = 9007199254740992 steps)"),
    ("delay_too_long_per_synapse.toml", "bad-delay", 17, 19,     "synapse 3: pathway 'pre' has a delay of 1000000000000.0 s, 1e+16 steps"),
    // ---- summed variables ---------------------------------------------------------------
    ("summed_undeclared.toml",          "bad-summed", 14, 10,    "does not refer to any variable of group 'G'"),
    ("summed_not_parameter.toml",       "bad-summed", 14, 10,    "needs a corresponding parameter 'v'"),
    ("summed_no_suffix.toml",           "bad-summed", 17, 10,    "does not end in '_pre' or '_post'"),
    ("summed_twice.toml",               "summed-conflict", 24, 10, "several summed variables target the variable 'I' of group 'G'"),
    // ---- events -------------------------------------------------------------------------
    ("unknown_event.toml",              "no-event", 16, 13,      "does not define an event 'burst'"),
    ("no_threshold.toml",               "no-event", 12, 11,      "did you forget to set a 'threshold' on 'G'?"),
    ("spike_monitor_no_threshold.toml", "no-event", 13, 11,      "does not define an event 'spike'"),
    ("synapses_source_no_event.toml",   "no-event", 19, 11,      "the source 'S' is a synapses object, which emits no events"),
    ("synapses_on_post_from_synapses.toml", "no-event", 21, 11,  "the target 'S' is a synapses object, which emits no events"),
    ("monitor_unknown_event.toml",      "no-event", 15, 10,      "the recorded group 'G' does not define an event 'burst'"),
    // ---- integration --------------------------------------------------------------------
    ("unknown_method.toml",             "bad-method", 9, 11,     "no integration method with the name 'eulr' is known"),
    ("exact_nonlinear.toml",            "integration", 9, 11,    "could not be separated into linear components"),
    ("multiplicative_noise.toml",       "integration", 9, 11,    "multiplicative noise"),
    ("method_option_unknown.toml",      "bad-method-option", 10, 20, "'simplify' is not an option of the method 'euler'"),
    // ---- the model file -----------------------------------------------------------------
    ("unknown_key.toml",                "unknown-key", 9, 1,     "did you mean 'threshold'?"),
    ("unknown_section.toml",            "unknown-key", 5, 3,     "did you mean 'neurons'?"),
    ("rate_monitor_dt.toml",            "unknown-key", 15, 1,    "key 'dt' does not apply to a rate monitor"),
    ("wrong_type.toml",                 "wrong-type", 7, 5,      "got a number 3.5"),
    ("wrong_type_model.toml",           "wrong-type", 8, 9,      "neurons 'G'.model: expected a string, got a list"),
    ("wrong_type_dt.toml",              "wrong-type", 3, 6,      "simulation.dt: expected a string"),
    ("dtype_unknown.toml",              "wrong-type", 4, 9,      "expected \"float64\" or \"float32\""),
    ("fast_math_not_boolean.toml",      "wrong-type", 4, 13,     "simulation.fast_math: expected a boolean"),
    ("unknown_slot.toml",               "wrong-type", 9, 8,      "expected a schedule slot"),
    ("monitor_variables_all_spike.toml", "wrong-type", 16, 13,   "expected a list of variable names, got a string"),
    ("schedule_unknown_slot.toml",      "bad-slot", 4, 59,       "unknown schedule slot 'reset'"),
    ("schedule_before_slot.toml",       "bad-slot", 4, 23,       "slot names may not start with 'before_' or 'after_' ('before_groups')"),
    ("schedule_missing_slot.toml",      "not-in-schedule", 4, 13, "'G_spike_resetter' runs in the slot 'resets'"),
    ("monitor_unknown_kind.toml",       "bad-value", 12, 8,      "expected one of spike, state, rate, event"),
    ("protocol_unknown_op.toml",        "bad-value", 11, 6,      "expected one of run, store, restore, set"),
    ("clock_unknown.toml",              "unknown-clock", 12, 10, "neurons 'G'.clock: unknown clock 'slwo'"),
    ("clock_and_dt.toml",               "dt-and-clock", 13, 9,   "give either 'dt' or 'clock', not both"),
    ("object_dtype_unknown.toml",       "bad-value", 9, 15,      "neurons 'G'.dtype.v: expected \"float64\" or \"float32\""),
    ("dtype_unknown_variable.toml",     "unknown-variable", 9, 15, "'w' is not a variable of the model"),
    ("protocol_set_dt_not_multiple.toml", "bad-dt", 14, 1,      "the time 0.0003 s is not a multiple of 0.0002 s"),
    ("protocol_set_dt_unknown_clock.toml", "unknown-clock", 12, 10, "protocol[0].clock: unknown clock 'slow'"),
    ("protocol_set_spikes_not_generator.toml", "not-a-generator", 12, 11, "'G' is not a spike generator"),
    ("missing_model.toml",              "missing-key", 5, 1,     "neurons 'G': missing key 'model'"),
    ("missing_name.toml",               "missing-key", 5, 1,     "missing key 'name'"),
    ("missing_duration.toml",           "missing-key", 2, 1,     "missing key 'duration'"),
    ("state_monitor_no_record.toml",    "missing-key", 10, 1,    "missing key 'record'"),
    ("unknown_source.toml",             "unknown-group", 13, 11, "did you mean 'exc'?"),
    ("unknown_monitor_source.toml",     "unknown-group", 13, 11, "unknown group 'H'"),
    ("subgroup_unknown_of.toml",        "unknown-group", 12, 7,  "unknown group 'F'"),
    ("synapses_target_listed_later.toml", "unknown-group", 14, 11, "'S' is a [[synapses]] listed after 'M': list it first"),
    ("synapses_own_target.toml",        "unknown-group", 14, 11, "a synapses object cannot connect to or from itself"),
    ("subgroup_range.toml",             "bad-slice", 14, 8,      "slice [2:5] is out of range for 'G' of size 3"),
    ("slice_out_of_range.toml",         "bad-slice", 14, 11,     "slice [2:10] is out of range for 'G' of size 4"),
    ("monitor_record_out_of_range.toml", "bad-index", 15, 10,    "the index 7 to record is outside the range [0, 2]"),
    ("n_zero.toml",                     "bad-value", 7, 5,       "neurons 'G'.N: must be at least 1, got 0"),
    ("n_negative.toml",                 "bad-value", 7, 5,       "neurons 'G'.N: must be at least 1, got -5"),
    ("n_absurd.toml",                   "too-large", 7, 5,       "1e15 neurons would need"),
    ("n_absurd_expression.toml",        "too-large", 10, 6,      "far too large for a count"),
    ("state_monitor_too_long.toml",     "too-large", 10, 1,      "monitors 'trace': recording 1 variable of 100000 elements every 0.0001 s until t = 100000.0 s"),
    ("timed_array_too_long.toml",       "too-large", 8, 10,      "100000000000000 entries would need 3 PiB of memory"),
    ("dt_negative.toml",                "bad-value", 3, 7,       "simulation.dt: must be positive"),
    ("duration_negative.toml",          "bad-value", 3, 13,      "simulation.duration: must not be negative"),
    ("protocol_run_negative.toml",      "bad-value", 12, 13,     "protocol[0].duration: must not be negative"),
    ("protocol_restore_unknown.toml",   "bad-restore", 16, 9,    "nothing was stored under the name 'befor'"),
    ("protocol_restore_missing_file.toml", "checkpoint", 13, 9,  "cannot read the checkpoint"),
    ("protocol_restore_corrupt_file.toml", "checkpoint", 12, 9,  "not a spikejit checkpoint"),
    ("protocol_store_random_state.toml", "unknown-key", 13, 1,   "key 'random_state' does not apply to op 'store'"),
    ("protocol_constant_unknown.toml",  "unknown-name", 16, 8,   "'taux' is not a constant of [constants]"),
    ("protocol_constant_unit.toml",     "unit-mismatch", 17, 10, "the constant 'tau' has unit second, but the new value has unit volt"),
    ("protocol_constant_no_effect.toml", "no-effect", 31, 10,    "setting the constant 'd' has no effect"),
    ("seed_negative.toml",              "bad-value", 4, 8,       "simulation.seed: must be non-negative"),
    ("duration_infinite.toml",          "bad-value", 3, 13,      "simulation.duration: must be a finite time"),
    ("duration_number_too_large.toml",  "wrong-type", 3, 12,     "the number 1e400 is out of range"),
    ("protocol_run_infinite.toml",      "bad-value", 12, 13,     "protocol[0].duration: must be a finite time"),
    ("group_dt_negative.toml",          "bad-value", 9, 7,       "neurons 'G'.dt: must be positive"),
    ("monitor_dt_infinite.toml",        "bad-value", 16, 7,      "monitors 'M'.dt: must be a finite time"),
    ("run_regularly_dt_zero.toml",      "bad-value", 9, 48,      "run_regularly[0].dt: must be positive"),
    ("timed_array_dt_negative.toml",    "bad-value", 8, 7,       "timed_arrays 'stim'.dt: must be positive"),
    ("generator_period_infinite.toml",  "bad-value", 10, 11,     "spike_generators 'inp'.period: must be a finite time"),
    ("protocol_set_negative_delay.toml", "bad-delay", 22, 10,    "protocol[0]: the delay -1.0 ms is not a non-negative time"),
    // ---- inputs -------------------------------------------------------------------------
    ("generator_index_too_big.toml",    "bad-index", 8, 15,      "indices[1]: index 3 is outside the range [0, 2]"),
    ("generator_length_mismatch.toml",  "bad-length", 9, 9,      "'indices' has 3 entries but 'times' has 2"),
    ("init_list_wrong_length.toml",     "bad-length", 9, 31,     "neurons 'G'.init[0]: expected 3 values, got 2"),
    ("protocol_set_wrong_length.toml",  "bad-length", 14, 9,     "protocol[0].value: expected 3 values, one per element of 'G', got 4"),
    ("generator_double_spike.toml",     "double-spike", 9, 21,   "neuron 0 spikes more than once in the time step"),
    ("generator_time_negative.toml",    "bad-time", 9, 19,       "times[1]: a spike time must be a non-negative, finite time, got \"-2*ms\""),
    ("generator_time_wrong_type.toml",  "wrong-type", 9, 17,     "times[1]: expected a string with units or a number in seconds, got a boolean true"),
    // ---- data and equation files (their files in tests/bad_inputs/data/) -------------------
    ("data_file_missing.toml",          "io", 9, 24,             "'data/missing.npy': cannot read it"),
    ("data_file_wrong_shape.toml",      "bad-shape", 9, 24,      "expected a 1-d array of numbers (float, integer or bool), one per element, 'data/matrix.npy' holds a 2-d array of shape (2, 3) of float64"),
    ("data_file_wrong_length.toml",     "bad-length", 9, 24,     "expected 3 values, got 4 ('data/four.npy' holds a 1-d array of shape (4,) of float64)"),
    ("data_file_npz_unknown_array.toml", "unknown-array", 9, 51, "did you mean 'rates'? (it holds: i, j, rates)"),
    ("data_file_npz_without_array.toml", "unknown-array", 9, 24, "say which with 'array = \"NAME\"'"),
    ("data_file_not_npy.toml",          "data-file", 9, 24,      "'data/bad_units.eqs': not a valid .npy file"),
    ("data_file_string_dtype.toml",     "bad-dtype", 9, 24,      "it holds elements of dtype '<U3', which spikejit does not read"),
    ("data_file_float_indices.toml",    "bad-dtype", 8, 21,      "expected a 1-d array of integer indices, 'data/float_indices.npy' holds a 1-d array of shape (3,) of float64"),
    ("data_file_unit_mismatch.toml",    "unit-mismatch", 9, 49,  "'v' has unit volt, but \"nA\" has unit amp"),
    ("data_file_unknown_key.toml",      "unknown-key", 9, 41,    "did you mean 'unit'?"),
    ("data_file_negative_times.toml",   "bad-time", 9, 19,       "got -0.002 s (entry 1 of 'data/negative_times.npy')"),
    ("data_file_connect_index.toml",    "bad-index", 16, 76,     "the target index 9 is outside the range [0, 2] of the target group (entry 1 of array 'j' of 'data/inputs.npz')"),
    ("equations_file_missing.toml",     "io", 8, 19,             "cannot read 'data/missing.eqs'"),
    ("equations_file_unit.toml",        "unit-mismatch", 3, 9,   "('I' has unit amp; 'v' has unit volt)"),
    // ---- morphologies (spatial neurons) -------------------------------------------------
    ("morphology_swc_malformed.toml",   "bad-swc", 3, 13,        "each line of an SWC file has 7 entries (index type x y z radius parent), this one has 6"),
    ("morphology_unknown_shape.toml",   "bad-morphology", 14, 10, "unknown shape \"cone\""),
    ("morphology_section_diameters.toml", "bad-morphology", 12, 12, "needs n + 1 = 4 diameters"),
    ("morphology_and_N.toml",           "bad-key", 7, 1,         "give either 'N' or 'morphology', not both"),
    ("init_section_without_morphology.toml", "bad-key", 9, 48,   "'section' selects compartments of a spatial neuron, and the group has no 'morphology'"),
    ("spatial_no_im.toml",              "spatial-model", 12, 1,  "must define the membrane current 'Im'"),
    ("spatial_im_units.toml",           "unit-mismatch", 12, 23, "its unit must be amp/meter**2"),
    ("spatial_point_current_units.toml", "unit-mismatch", 13, 5, "point current 'I' should be in amp"),
    ("spatial_defines_v.toml",          "duplicate", 13, 2,      "'v' is a variable every spatial neuron has"),
    ("spatial_unless_refractory.toml",  "bad-flag", 13, 34,      "cannot have the flag 'unless refractory'"),
    ("spatial_derivative.toml",         "spatial-model", 12, 1,  "cannot take the derivative of the membrane current 'Im'"),
    ("spatial_threshold_location_many.toml", "bad-value", 15, 23, "names 5 compartments, not one"),
    ("spatial_cm_units.toml",           "unit-mismatch", 14, 7,  "not a capacitance per area"),
    ("spatial_unknown_section.toml",    "bad-location", 29, 18,  "no section 'dend'"),
    ("synapses_summed_when_unknown.toml", "unknown-variable", 32, 22, "'y' is not a summed variable of these synapses"),
    ("threshold_location_unknown.toml", "bad-location", 11, 23,  "no section 'axno' under the root section (its children are axon)"),
];

/// (file in tests/bad_inputs/warnings, warning code, line, column, phrase)
#[rustfmt::skip]
const WARNING_CASES: &[Case] = &[
    // ---- assignments that do nothing ----------------------------------------------------
    ("reset_unused_temporary.toml",     "unused-temporary", 10, 17, "'u' is not a variable: 'u = 5' makes a temporary that nothing reads"),
    ("on_pre_unused_temporary.toml",    "unused-temporary", 19, 1,  "did you mean 'weight'?"),
    ("run_regularly_unused_temporary.toml", "unused-temporary", 12, 29, "'Iext' is not a variable"),
    // ---- connection probabilities outside [0, 1] (Brian2: p > 1 always, p < 0 never) -----
    ("connect_p_expression.toml",       "probability-clipped", 14, 19, "the connection probability p is 1.5 for i = 0, outside [0, 1]"),
    ("connect_p_per_pair.toml",         "probability-clipped", 14, 41, "p is -0.5 for the pair i = 0, j = 1"),
    ("connect_sample_p.toml",           "probability-clipped", 14, 47, "p is 1.5 for i = 0"),
    // ---- floats truncated into integers -------------------------------------------------
    ("reset_truncation.toml",           "truncation", 15, 1,  "'n' is an integer variable: the float value of 'n + 0.5' is truncated toward zero"),
    ("on_pre_truncation_augmented.toml", "truncation", 19, 11, "the float value of 'count_post + 0.5' is truncated"),
];

/// Mistakes only a run finds (the run-time checks): `spikejit run FILE --out
/// TMP --nan=error` must fail as a row of [`CASES`] says, and `spikejit check
/// FILE`, which runs nothing, must pass.
#[rustfmt::skip]
const RUN_CASES: &[Case] = &[
    ("reset_division_by_zero.toml",     "division-by-zero", 16, 1,  "integer division by zero: 0 // 0 is taken as 0"),
    ("reset_modulo_by_zero.toml",       "modulo-by-zero", 16, 1,    "integer modulo by zero: 0 % 0 is taken as 0"),
    ("reset_integer_overflow.toml",     "integer-overflow", 17, 1,  "3001001001 does not fit in the 32 bits of 'n' and wraps to -1293966295"),
    ("reset_non_finite.toml",           "non-finite", 16, 1,        "neurons 'G'.v[0] is inf at t = 0.4 ms (step 4)"),
    ("on_pre_division_by_zero.toml",    "division-by-zero", 20, 11, "synapses 'S'.n_post[0] (i = 1, j = 2): integer division by zero"),
];

/// Cases whose first error is in another file than the model file (an
/// equation file): (case, that file in tests/bad_inputs), where its line and column are.
const LOCATED_ELSEWHERE: &[(&str, &str)] = &[
    ("equations_file_unit.toml", "data/bad_units.eqs"),
    ("morphology_swc_malformed.toml", "data/malformed.swc"),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("bad_inputs")
}

/// Runs `spikejit ARGS`; returns (exit code, stderr).
fn spikejit(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("spikejit runs");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// What is wrong with one run of a case (empty: nothing).
fn problems(stderr: &str, code: Option<i32>, path: &Path, want: (&str, usize, usize, &str)) -> Vec<String> {
    diagnostic_problems(stderr, code, path, want, "error")
}

/// What is wrong with one run that should print `severity[code]` (`error`:
/// and exit 1; `warning`: and exit 0, with no error).
fn diagnostic_problems(
    stderr: &str,
    code: Option<i32>,
    path: &Path,
    want: (&str, usize, usize, &str),
    severity: &str,
) -> Vec<String> {
    let (kind, line, col, phrase) = want;
    let mut out = Vec::new();
    let exit = if severity == "error" { 1 } else { 0 };
    if code != Some(exit) {
        out.push(format!("exit code {code:?}, expected {exit}"));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        out.push("panicked".into());
    }
    if severity == "warning" && stderr.lines().any(|l| l.starts_with("error")) {
        out.push("an error was reported".into());
    }
    // the first diagnostic: its code, then the `--> FILE:LINE:COL` line codespan prints under it
    let first = stderr.lines().find(|l| l.starts_with(severity));
    let head = format!("{severity}[{kind}]: ");
    if !first.is_some_and(|l| l.starts_with(&head)) {
        out.push(format!("first {severity} is {first:?}, expected code [{kind}]"));
    }
    let located = path
        .file_name()
        .and_then(|name| LOCATED_ELSEWHERE.iter().find(|(case, _)| name == *case))
        .map_or_else(|| path.to_path_buf(), |(_, other)| dir().join(other));
    let at = format!("--> {}:{line}:{col}", located.display());
    let first_loc = stderr.lines().find(|l| l.trim_start().starts_with("--> "));
    if first_loc.map(str::trim) != Some(at.as_str()) {
        out.push(format!(
            "first location is {:?}, expected {line}:{col}",
            first_loc.map(str::trim)
        ));
    }
    if !stderr.contains(phrase) {
        out.push(format!("stderr lacks the phrase {phrase:?}"));
    }
    out
}

#[test]
fn every_bad_input_is_reported_where_it_is() {
    let tmp = std::env::temp_dir().join(format!("spikejit-bad-inputs-{}", std::process::id()));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunks: Vec<Vec<(usize, &Case)>> = (0..threads)
        .map(|t| CASES.iter().enumerate().filter(|(k, _)| k % threads == t).collect())
        .collect();
    let mut failures: Vec<(usize, String)> = std::thread::scope(|sc| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let tmp = &tmp;
                sc.spawn(move || {
                    let mut failed = Vec::new();
                    for &(k, &(file, kind, line, col, phrase)) in chunk {
                        let path = dir().join(file);
                        let p = path.to_string_lossy().into_owned();
                        let out = tmp.join(file.trim_end_matches(".toml"));
                        let o = out.to_string_lossy().into_owned();
                        let mut report = String::new();
                        for (what, args) in [
                            ("check", vec!["check", p.as_str()]),
                            ("run", vec!["run", p.as_str(), "--out", o.as_str()]),
                        ] {
                            let (code, stderr) = spikejit(&args);
                            let ps = problems(&stderr, code, &path, (kind, line, col, phrase));
                            if !ps.is_empty() {
                                report.push_str(&format!("  spikejit {what}: {}\n", ps.join("; ")));
                                report.push_str(&format!("{}\n", indent(&stderr)));
                            }
                        }
                        if !report.is_empty() {
                            failed.push((k, format!("{file}\n{report}")));
                        }
                    }
                    failed
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let _ = std::fs::remove_dir_all(&tmp);
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs are not reported as expected:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.into_iter().map(|f| f.1).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_run_time_fault_is_reported_where_it_is() {
    let tmp = std::env::temp_dir().join(format!("spikejit-run-faults-{}", std::process::id()));
    let mut failures = Vec::new();
    for &(file, kind, line, col, phrase) in RUN_CASES {
        let path = dir().join(file);
        let p = path.to_string_lossy().into_owned();
        let out = tmp.join(file.trim_end_matches(".toml"));
        let o = out.to_string_lossy().into_owned();
        let mut report = String::new();
        let (code, stderr) = spikejit(&["run", p.as_str(), "--out", o.as_str(), "--nan=error"]);
        let ps = problems(&stderr, code, &path, (kind, line, col, phrase));
        if !ps.is_empty() {
            report.push_str(&format!(
                "  spikejit run --nan=error: {}\n{}\n",
                ps.join("; "),
                indent(&stderr)
            ));
        }
        let (code, stderr) = spikejit(&["check", p.as_str()]);
        if code != Some(0) {
            report.push_str(&format!("  spikejit check: exit code {code:?}\n{}\n", indent(&stderr)));
        }
        if !report.is_empty() {
            failures.push(format!("{file}\n{report}"));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        failures.is_empty(),
        "{} of {} run-time faults are not reported as expected:\n\n{}",
        failures.len(),
        RUN_CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn every_warning_is_reported_where_it_is() {
    let tmp = std::env::temp_dir().join(format!("spikejit-warnings-{}", std::process::id()));
    let mut failures = Vec::new();
    for &(file, kind, line, col, phrase) in WARNING_CASES {
        let path = dir().join("warnings").join(file);
        let p = path.to_string_lossy().into_owned();
        let o = tmp.join(file.trim_end_matches(".toml")).to_string_lossy().into_owned();
        for (what, args) in [
            ("check", vec!["check", p.as_str()]),
            ("run", vec!["run", p.as_str(), "--out", o.as_str()]),
        ] {
            let (code, stderr) = spikejit(&args);
            let ps = diagnostic_problems(&stderr, code, &path, (kind, line, col, phrase), "warning");
            if !ps.is_empty() {
                failures.push(format!(
                    "{file}\n  spikejit {what}: {}\n{}",
                    ps.join("; "),
                    indent(&stderr)
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        failures.is_empty(),
        "{} warnings are not reported as expected:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every file of the warning catalogue has a row, every row a file.
#[test]
fn warning_catalogue_and_files_agree() {
    let mut files: Vec<String> = std::fs::read_dir(dir().join("warnings"))
        .expect("tests/bad_inputs/warnings")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let mut rows: Vec<String> = WARNING_CASES.iter().map(|c| c.0.to_string()).collect();
    rows.sort();
    assert_eq!(files, rows, "tests/bad_inputs/warnings/*.toml and WARNING_CASES differ");
    for f in &files {
        let text = std::fs::read_to_string(dir().join("warnings").join(f)).unwrap_or_default();
        assert!(text.starts_with("# "), "{f}: the first line should name the mistake");
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    | {l}")).collect::<Vec<_>>().join("\n")
}

/// Every file of the catalogue has a row (in [`CASES`] or [`RUN_CASES`]), every
/// row a file, each mistake once.
#[test]
fn catalogue_and_files_agree() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/bad_inputs")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let mut rows: Vec<String> = CASES.iter().chain(RUN_CASES).map(|c| c.0.to_string()).collect();
    rows.sort();
    let mut unique = rows.clone();
    unique.dedup();
    assert_eq!(rows, unique, "a file is listed twice");
    assert_eq!(files, rows, "tests/bad_inputs/*.toml and CASES differ");
    assert!(CASES.len() >= 45);
    // each file says in its first line what mistake it makes
    for f in &files {
        let text = std::fs::read_to_string(dir().join(f)).unwrap_or_default();
        assert!(
            text.starts_with("# "),
            "{f}: the first line should be a comment naming the mistake"
        );
    }
}

/// The limit on expression depth (400) is one every pass can take in a thread
/// with Rust's default 2 MiB stack: a sum of 390 terms builds and compiles.
#[test]
fn deep_expressions_below_the_limit_compile_in_a_small_stack() {
    let sum = vec!["x"; 390].join(" + ");
    let text = format!(
        "[simulation]\nduration = \"1*ms\"\n[[neurons]]\nname = \"G\"\nN = 2\n\
         model = \"dx/dt = -({sum})/(100*second) : 1\"\nthreshold = \"({sum}) > 1\"\nreset = \"x = ({sum})/1000\"\n"
    );
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let model = spikejit::io::parse_model("deep.toml", text).map_err(|e| e.to_string())?;
            let (mut net, _) =
                spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).map_err(|e| e.to_string())?;
            net.check().map_err(|e| e.to_string())
        })
        .expect("thread")
        .join();
    match r {
        Ok(r) => assert!(r.is_ok(), "{r:?}"),
        Err(_) => panic!("building a 390-term expression panicked"),
    }
}
