//! Building and compiling a kernel: the builder every room's kernels start
//! from (the element type of each array, the float type, fast math), the
//! compile step, and the checks of user code that every kind shares (what a
//! block may write, the units of equations), and the text of each kernel
//! compiled, for a program that shows it ([`dump_kernels`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::exec::{DYNAMIC, Prepared};
use super::network::{Network, SYNAPSE_COUNTS, err, trimmed};
use crate::diag::{Diagnostic, Result, Source, Span};
use crate::ir::{ElemTy, Ty};
use crate::lower::KernelBuilder;
use crate::model::check::Checker;
use crate::model::equations::{Equations, VarFlag};
use crate::model::scope::{ArrayKey, NameRef, Scope, ValTy};
use crate::syntax::ast::{EquationKind, Statement};
use crate::units::Dim;

/// Where the text of each kernel compiled goes, when a program asks for it
/// (the command line, for `SPIKEJIT_DUMP_IR` and `SPIKEJIT_DUMP_ASM`): its
/// printed IR before it is compiled, its machine code (`; kernel NAME` and
/// Cranelift's listing) after, each as one text in the order they come.
pub struct KernelDumps {
    /// Hand over each kernel's printed IR.
    pub ir: bool,
    /// Hand over each kernel's machine code (the JIT backend, cache misses).
    pub asm: bool,
    /// Takes each text (without a final newline).
    pub sink: Box<dyn Fn(&str) + Send + Sync>,
}

static KERNEL_DUMPS: OnceLock<KernelDumps> = OnceLock::new();

/// Hands the text of every kernel any network of this process compiles from
/// now on to `dumps.sink` (the kernels are data; the program that asked
/// shows them). Set once: a second call is refused and returns its argument.
pub fn dump_kernels(dumps: KernelDumps) -> std::result::Result<(), KernelDumps> {
    KERNEL_DUMPS.set(dumps)
}

impl Network {
    pub(crate) fn builder(&self, name: &str) -> KernelBuilder {
        let elems: HashMap<ArrayKey, ElemTy> = self.store.elems();
        let float = if self.float32 { Ty::F32 } else { Ty::F64 };
        KernelBuilder::new(
            name,
            float,
            Box::new(move |k: &ArrayKey| {
                if k.var == DYNAMIC
                    || k.var == "_spikespace"
                    || k.var == "_pre"
                    || k.var == "_post"
                    || SYNAPSE_COUNTS.contains(&k.var.as_str())
                {
                    return ElemTy::I32;
                }
                elems.get(k).copied().unwrap_or(ElemTy::F64)
            }),
        )
        .fast_math(self.fast_math)
    }

    pub(crate) fn compile(&mut self, mut b: KernelBuilder) -> Result<Prepared> {
        let scalars = b.scalar_names();
        let sites = std::mem::take(&mut b.sites);
        let (kernel, bindings) = b.finish();
        let mut p = self.compile_kernel(kernel, bindings, scalars)?;
        p.sites = sites;
        Ok(p)
    }

    /// Compiles an IR kernel whose arrays are `bindings` and scalar slots `scalars`.
    pub(crate) fn compile_kernel(
        &mut self,
        mut kernel: crate::ir::Kernel,
        bindings: Vec<ArrayKey>,
        scalars: Vec<String>,
    ) -> Result<Prepared> {
        if self.compiler.backend == crate::codegen::Backend::Interpreter && self.ranks.is_some() {
            // The interpreter checks that a rank's kernel stays within the
            // neurons the rank holds (see `Network::bind`).
            for (a, key) in bindings.iter().enumerate() {
                if let (Some(&first), Some(array)) = (self.store.first.get(key), self.store.get(key))
                    && let Some(decl) = kernel.arrays.get_mut(a)
                {
                    decl.held = Some((first as i64, (first + array.len()) as i64));
                }
            }
        }
        // Every kernel compiled, also those made at run time (a state update
        // fused with its threshold, a pathway restricted to a target range).
        if let Some(d) = KERNEL_DUMPS.get()
            && d.ir
        {
            (d.sink)(&kernel.to_string());
        }
        let dumps = KERNEL_DUMPS.get().filter(|d| d.asm);
        self.compiler.jit.keep_asm = dumps.is_some();
        let exe = self.compiler.compile(&kernel);
        if let Some(d) = dumps {
            for text in self.compiler.jit.take_asm() {
                (d.sink)(&text);
            }
        }
        let exe = exe.map_err(|e| {
            err(
                "codegen",
                &kernel.name,
                format!("internal error while compiling kernel '{}': {e}", kernel.name),
            )
        })?;
        if !exe.from_cache() {
            self.stats
                .kernels
                .push((kernel.name.clone(), exe.compile_time().as_secs_f64()));
        }
        Ok(Prepared {
            exe,
            bindings,
            scalars,
            kernel,
            sites: Vec::new(),
        })
    }

    /// Checks that a statement block may write its targets.
    pub(crate) fn check_block(
        &self,
        scope: &Scope,
        src: &Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Vec<Diagnostic> {
        self.checked_block(scope, src, stmts, allow_shared).errors
    }

    /// As [`Network::check_block`], for code a user wrote as a block (a reset,
    /// a pathway, `run_regularly`, `run_on_event`): its warnings (an assignment
    /// that does nothing, a float truncated into an integer) are kept for
    /// [`Network::warnings`].
    pub(crate) fn check_code(
        &self,
        scope: &Scope,
        src: &Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Vec<Diagnostic> {
        let c = self.checked_block(scope, src, stmts, allow_shared);
        if c.errors.is_empty() {
            self.warn(c.warnings);
        }
        c.errors
    }

    fn checked_block<'a>(
        &self,
        scope: &'a Scope,
        src: &'a Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Checker<'a> {
        let mut c = Checker::new(scope, src);
        c.statements(stmts, &|name, r| match r {
            NameRef::Var { .. } if scope.unwritable.contains_key(name) => {
                Err(scope.unwritable.get(name).cloned().unwrap_or_default())
            }
            NameRef::Var { read_only: true, .. } => Err(format!("variable '{name}' is read-only")),
            NameRef::Var { shared: true, .. } if !allow_shared => Err(format!(
                "writing to the shared variable '{name}' is not allowed in this code"
            )),
            NameRef::Var { .. } => Ok(()),
            NameRef::Subexpr { .. } => Err(format!("cannot write to subexpression '{name}'")),
            NameRef::Index { .. } => Err(format!("'{name}' is an index and cannot be written")),
            NameRef::Time | NameRef::TimeStep => Err(format!("'{name}' is the clock's time and cannot be written")),
            NameRef::Const { .. } => Err(format!("'{name}' is a constant and cannot be written")),
        });
        c
    }

    /// Unit checks of every equation of a model against its scope.
    pub(crate) fn check_equations(&self, eqs: &Equations, scope: &Scope) -> Vec<Diagnostic> {
        // White noise `xi`, `xi_*` has the dimension second**-0.5 (§1.11).
        let mut with_noise = scope.clone();
        for v in &eqs.vars {
            if let Some(rhs) = v.rhs() {
                rhs.for_each_name(&mut |n, _| {
                    if n == "xi" || n.starts_with("xi_") {
                        with_noise.insert(
                            n,
                            NameRef::Const {
                                value: 0.0,
                                dim: Dim::SECOND.powf(-0.5),
                                ty: ValTy::Float,
                            },
                        );
                    }
                });
            }
        }
        let scope = &with_noise;
        let mut c = Checker::new(scope, &eqs.source);
        for v in &eqs.vars {
            if v.kind() != EquationKind::Subexpression || !v.has_flag(VarFlag::Shared) {
                continue;
            }
            let Some(rhs) = v.rhs() else { continue };
            for n in rhs.names() {
                let per_element = match scope.resolve(&n) {
                    Some(NameRef::Var { shared, .. }) => !shared,
                    Some(NameRef::Index { .. }) => true,
                    Some(NameRef::Subexpr { .. }) => eqs.get(&n).is_some_and(|d| !d.has_flag(VarFlag::Shared)),
                    _ => false,
                };
                if per_element {
                    c.errors.push(Diagnostic::at(
                        "shared-subexpression",
                        &eqs.source,
                        rhs.span,
                        format!(
                            "the shared subexpression '{}' refers to the non-shared variable '{n}'",
                            v.name()
                        ),
                    ));
                }
            }
        }
        for v in &eqs.vars {
            let Some(rhs) = v.rhs() else { continue };
            if v.has_flag(VarFlag::Summed) {
                continue;
            }
            let want = match v.kind() {
                EquationKind::Differential => v.dim.div(Dim::SECOND),
                _ => v.dim,
            };
            let want_name = match v.kind() {
                EquationKind::Differential if v.dim.is_one() => "1/second".to_string(),
                EquationKind::Differential => format!("{}/second", v.dim),
                _ => format!("{}", v.dim),
            };
            if let Some(t) = c.expr(rhs) {
                if !t.dim.same(want) {
                    let what = match v.kind() {
                        EquationKind::Differential => format!("the differential equation defining '{}'", v.name()),
                        _ => format!("the subexpression '{}'", v.name()),
                    };
                    let d = Diagnostic::at(
                        "unit-mismatch",
                        &eqs.source,
                        rhs.span,
                        format!(
                            "inconsistent units in {what}: the right-hand side has unit {}, but {} was expected",
                            t.dim, want_name
                        ),
                    )
                    .with_label(format!("this has unit {}", t.dim))
                    .with_help(if v.kind() == EquationKind::Differential {
                        format!(
                            "the right-hand side of d{}/dt must have the unit of '{}' ({}) divided by second",
                            v.name(),
                            v.name(),
                            v.dim
                        )
                    } else {
                        "the expression must have the unit declared after ':'".to_string()
                    });
                    c.errors.push(d);
                } else if !v.is_stored() && crate::model::check::is_stateful(rhs) {
                    c.errors.push(Diagnostic::at(
                        "stateful-subexpression",
                        &eqs.source,
                        rhs.span,
                        format!("the subexpression '{}' calls a random function: add the flag '(constant over dt)' so that it is drawn once per time step", v.name()),
                    ));
                }
            }
        }
        c.errors
    }
}

/// Equations the integration method cannot integrate: the error points at the
/// method when it was given (with the equations as a second place), else at
/// the equations (the automatic choice found no method that fits).
pub(crate) fn integration_error(msg: String, eqs: &Equations, method: Option<&Arc<Source>>, ctx: &str) -> Diagnostic {
    let equations = eqs
        .differential()
        .iter()
        .map(|v| v.eq.span)
        .reduce(Span::cover)
        .unwrap_or_default();
    match method {
        Some(src) => Diagnostic::at("integration", src, trimmed(&src.text), msg)
            .with_label("this method cannot integrate the equations")
            .with_note(Some(eqs.source.clone()), equations, "the equations")
            .with_context(ctx),
        None => Diagnostic::at("integration", &eqs.source, equations, msg).with_context(ctx),
    }
}
