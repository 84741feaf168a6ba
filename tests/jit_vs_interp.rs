//! The JIT against the interpreter: random well-typed programs must give
//! bit-identical results (NaN equals NaN) on both backends, and a few kernels
//! with known results check both against hand-computed values.

use std::cell::RefCell;
use std::time::Instant;

use proptest::prelude::*;
use spikejit::codegen::{Backend, CodegenError, Compiler, Executable, Jit};
use spikejit::ir::{BinOp, ElemTy, Expr, Func, Kernel, KernelArgs, LocalId, Stmt, Ty, UnOp};
use spikejit_runtime::{Context, Rng, error_code};

// ---------------------------------------------------------------------------
// Running kernels on owned data
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Data {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
}

impl Data {
    fn ptr(&mut self) -> *mut u8 {
        match self {
            Data::F64(v) => v.as_mut_ptr().cast(),
            Data::F32(v) => v.as_mut_ptr().cast(),
            Data::I32(v) => v.as_mut_ptr().cast(),
            Data::I64(v) => v.as_mut_ptr().cast(),
            Data::U8(v) => v.as_mut_ptr(),
        }
    }

    fn f64s(&self) -> &[f64] {
        match self {
            Data::F64(v) => v,
            d => panic!("not f64: {d:?}"),
        }
    }

    fn i64s(&self) -> &[i64] {
        match self {
            Data::I64(v) => v,
            d => panic!("not i64: {d:?}"),
        }
    }
}

/// Bitwise equality, except that all NaNs are equal (their payloads are not
/// part of the IR's semantics).
fn same_data(a: &Data, b: &Data) -> bool {
    fn f64_eq(x: f64, y: f64) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }
    fn f32_eq(x: f32, y: f32) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }
    match (a, b) {
        (Data::F64(x), Data::F64(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| f64_eq(*a, *b)),
        (Data::F32(x), Data::F32(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| f32_eq(*a, *b)),
        (Data::I32(x), Data::I32(y)) => x == y,
        (Data::I64(x), Data::I64(y)) => x == y,
        (Data::U8(x), Data::U8(y)) => x == y,
        _ => false,
    }
}

#[derive(Clone, Debug)]
struct State {
    arrays: Vec<Data>,
    scalars: Vec<u64>,
    rng: Rng,
    ctx: Context,
}

impl State {
    fn new(arrays: Vec<Data>, scalars: Vec<u64>) -> State {
        State {
            arrays,
            scalars,
            rng: Rng::seed(1234, 5),
            ctx: Context::new(),
        }
    }

    fn run(&mut self, exe: &Executable) {
        let ptrs: Vec<*mut u8> = self.arrays.iter_mut().map(Data::ptr).collect();
        let args = KernelArgs {
            arrays: ptrs.as_ptr(),
            scalars: self.scalars.as_ptr(),
            rng: &mut self.rng,
            ctx: &mut self.ctx,
        };
        // SAFETY: every kernel in this file indexes its arrays in range.
        unsafe { exe.run(&args) };
    }

    /// Why `self` and `other` differ, if they do.
    fn diff(&self, other: &State) -> Option<String> {
        for (n, (a, b)) in self.arrays.iter().zip(&other.arrays).enumerate() {
            if !same_data(a, b) {
                return Some(format!("array {n}:\n  jit    {a:?}\n  interp {b:?}"));
            }
        }
        let (mut r1, mut r2) = (self.rng.clone(), other.rng.clone());
        if r1.next_u64() != r2.next_u64() {
            return Some("RNG streams diverged".into());
        }
        let (c1, c2) = (&self.ctx, &other.ctx);
        if c1.pre != c2.pre
            || c1.post != c2.post
            || c1.sample != c2.sample
            || c1.error != c2.error
            || c1.faults != c2.faults
        {
            return Some(format!(
                "contexts differ:\n  jit    {:?} {:?} {:?} {:?} {:?}\n  interp {:?} {:?} {:?} {:?} {:?}",
                c1.pre, c1.post, c1.sample, c1.error, c1.faults, c2.pre, c2.post, c2.sample, c2.error, c2.faults
            ));
        }
        None
    }
}

fn both(k: &Kernel) -> (Executable, Executable) {
    let jit = Compiler::new(Backend::Jit).compile(k).expect("jit compiles");
    let interp = Compiler::new(Backend::Interpreter)
        .compile(k)
        .expect("interpreter accepts");
    (jit, interp)
}

/// Runs `k` on both backends from `state`; asserts they agree; returns the result.
fn run_both(k: &Kernel, state: &State) -> State {
    let (jit, interp) = both(k);
    let mut a = state.clone();
    let mut b = state.clone();
    a.run(&jit);
    b.run(&interp);
    if let Some(d) = a.diff(&b) {
        panic!("backends disagree on\n{k}\n{d}");
    }
    a
}

fn f(x: f64) -> u64 {
    x.to_bits()
}

// ---------------------------------------------------------------------------
// Kernels with known results
// ---------------------------------------------------------------------------

/// `for i in 0..N: v[i] = v[i] * exp(-dt / tau[i])`.
fn exp_decay() -> Kernel {
    let mut k = Kernel::new("decay");
    let v = k.array("v", ElemTy::F64);
    let tau = k.array("tau", ElemTy::F64);
    let n = k.scalar("N", Ty::I64);
    let dt = k.scalar("dt", Ty::F64);
    let i = k.local("i", Ty::I64);
    let neg_dt = Expr::Unary(UnOp::Neg, Box::new(Expr::Scalar(dt)));
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![Stmt::Store {
            array: v,
            index: Expr::Local(i),
            value: Expr::bin(
                BinOp::Mul,
                Expr::load(v, Expr::Local(i)),
                Expr::Call(
                    Func::Exp,
                    vec![Expr::bin(BinOp::Div, neg_dt, Expr::load(tau, Expr::Local(i)))],
                ),
            ),
        }],
    });
    k
}

#[test]
fn exp_decay_matches_rust() {
    let n = 1000;
    let v: Vec<f64> = (0..n).map(|i| -0.07 + 0.001 * i as f64).collect();
    let tau: Vec<f64> = (0..n).map(|i| 0.01 + 1e-5 * i as f64).collect();
    let dt = 1e-4;
    let state = State::new(
        vec![Data::F64(v.clone()), Data::F64(tau.clone())],
        vec![n as u64, f(dt)],
    );
    let out = run_both(&exp_decay(), &state);
    let expected: Vec<f64> = v.iter().zip(&tau).map(|(v, t)| v * (-dt / t).exp()).collect();
    assert!(same_data(&out.arrays[0], &Data::F64(expected)));
    // tau untouched.
    assert!(same_data(&out.arrays[1], &Data::F64(tau)));
}

/// The shape of a fused state update and threshold: a flag stored then read,
/// a conditional store, then a threshold that reads both and writes them.
fn update_then_threshold() -> Kernel {
    let mut k = Kernel::new("fused");
    let x = k.array("x", ElemTy::F64);
    let v = k.array("v", ElemTy::F64);
    let nr = k.array("nr", ElemTy::U8);
    let c = k.array("c", ElemTy::I32);
    let out = k.array("out", ElemTy::F64);
    let n = k.scalar("n", Ty::I64);
    let i = k.local("i", Ty::I64);
    let vn = k.local("v_new", Ty::F64);
    let at = |a| Expr::load(a, Expr::Local(i));
    let store = |a, value| Stmt::Store {
        array: a,
        index: Expr::Local(i),
        value,
    };
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![
            store(nr, Expr::bin(BinOp::Gt, at(x), Expr::F64(0.5))),
            Stmt::Assign(vn, Expr::bin(BinOp::Mul, Expr::F64(1.5), at(v))),
            Stmt::If {
                cond: at(nr),
                then: vec![store(v, Expr::Local(vn))],
                els: vec![],
            },
            Stmt::If {
                cond: Expr::bin(BinOp::And, Expr::bin(BinOp::Gt, at(v), Expr::F64(1.0)), at(nr)),
                then: vec![
                    store(nr, Expr::Bool(false)),
                    store(c, Expr::I64(7)),
                    store(v, Expr::F64(0.0)),
                ],
                els: vec![],
            },
            store(
                out,
                Expr::bin(BinOp::Add, at(v), Expr::cast(Ty::F64, Expr::cast(Ty::I64, at(nr)))),
            ),
        ],
    });
    k
}

fn count_loads(b: &[Stmt], a: usize) -> usize {
    fn e(x: &Expr, a: usize) -> usize {
        let mut n = usize::from(matches!(x, Expr::Load(y, _) if *y == a));
        x.for_each_child(|c| n += e(c, a));
        n
    }
    b.iter()
        .map(|s| match s {
            Stmt::Assign(_, x) | Stmt::Eval(x) => e(x, a),
            Stmt::Store { index, value, .. } => e(index, a) + e(value, a),
            Stmt::If { cond, then, els } => e(cond, a) + count_loads(then, a) + count_loads(els, a),
            Stmt::For { body, .. } | Stmt::While { body, .. } => count_loads(body, a),
        })
        .sum()
}

/// `passes::forward_elements` on that shape: an element is loaded again only
/// after an `if` that may have stored it, and both backends compute what they
/// computed before, bit for bit.
#[test]
fn forwarding_elements_keeps_results() {
    let k = update_then_threshold();
    let mut fwd = k.clone();
    spikejit::ir::passes::forward_elements(&mut fwd);
    assert_eq!(fwd.validate(), Ok(()));
    // v and nr are read again only after the threshold wrote them
    let loads = |k: &Kernel, a| match &k.body[0] {
        Stmt::For { body, .. } => count_loads(body, a),
        _ => usize::MAX,
    };
    for (a, was, now) in [(0, 1, 1), (1, 3, 2), (2, 3, 1)] {
        assert_eq!((loads(&k, a), loads(&fwd, a)), (was, now), "array {a}:\n{fwd}");
    }
    let n = 64;
    let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 64) as f64 / 64.0).collect();
    let v: Vec<f64> = (0..n).map(|i| ((i * 11) % 16) as f64 / 8.0).collect();
    let state = State::new(
        vec![
            Data::F64(x),
            Data::F64(v),
            Data::U8(vec![0; n]),
            Data::I32(vec![0; n]),
            Data::F64(vec![0.0; n]),
        ],
        vec![n as u64],
    );
    let before = run_both(&k, &state);
    let after = run_both(&fwd, &state);
    for (a, b) in before.arrays.iter().zip(&after.arrays) {
        assert!(same_data(a, b));
    }
    // the threshold fired for some elements and not for others
    let Data::I32(c) = &after.arrays[3] else { panic!() };
    assert!(c.contains(&7) && c.contains(&0));
}

/// `out_q[i] = a[i] // b[i]; out_r[i] = a[i] % b[i]` on i64 and on f64.
fn floor_div_mod_kernel() -> Kernel {
    let mut k = Kernel::new("divmod");
    let a = k.array("a", ElemTy::I64);
    let b = k.array("b", ElemTy::I64);
    let q = k.array("q", ElemTy::I64);
    let r = k.array("r", ElemTy::I64);
    let fa = k.array("fa", ElemTy::F64);
    let fb = k.array("fb", ElemTy::F64);
    let fq = k.array("fq", ElemTy::F64);
    let fr = k.array("fr", ElemTy::F64);
    let n = k.scalar("N", Ty::I64);
    let i = k.local("i", Ty::I64);
    let at = |arr| Expr::load(arr, Expr::Local(i));
    let store = |arr, value| Stmt::Store {
        array: arr,
        index: Expr::Local(i),
        value,
    };
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![
            store(q, Expr::bin(BinOp::FloorDiv, at(a), at(b))),
            store(r, Expr::bin(BinOp::Mod, at(a), at(b))),
            store(fq, Expr::bin(BinOp::FloorDiv, at(fa), at(fb))),
            store(fr, Expr::bin(BinOp::Mod, at(fa), at(fb))),
        ],
    });
    k
}

#[test]
fn python_floor_div_and_mod() {
    // (a, b, a // b, a % b) from Python 3, plus the no-trap cases.
    let ints: &[(i64, i64, i64, i64)] = &[
        (7, 2, 3, 1),
        (-7, 2, -4, 1),
        (7, -2, -4, -1),
        (-7, -2, 3, -1),
        (6, -3, -2, 0),
        (0, -3, 0, 0),
        (5, 0, 0, 0),
        (i64::MIN, -1, i64::MIN, 0),
        (i64::MIN, 3, -3074457345618258603, 1),
        (i64::MAX, -2, -4611686018427387904, -1),
    ];
    let floats: &[(f64, f64, f64, f64)] = &[
        (7.5, 2.0, 3.0, 1.5),
        (-7.5, 2.0, -4.0, 0.5),
        (7.5, -2.0, -4.0, -0.5),
        (-7.5, -2.0, 3.0, -1.5),
        (1.0, 0.5, 2.0, 0.0),
        (-1.0, 3.0, -1.0, 2.0),
        (0.0, 1.0, 0.0, 0.0),
        (3.0, -3.0, -1.0, 0.0),
    ];
    let m = ints.len().max(floats.len());
    let pad_i = |sel: fn(&(i64, i64, i64, i64)) -> i64| (0..m).map(|k| ints.get(k).map_or(1, sel)).collect::<Vec<_>>();
    let pad_f =
        |sel: fn(&(f64, f64, f64, f64)) -> f64| (0..m).map(|k| floats.get(k).map_or(1.0, sel)).collect::<Vec<_>>();
    let state = State::new(
        vec![
            Data::I64(pad_i(|c| c.0)),
            Data::I64(pad_i(|c| c.1)),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::F64(pad_f(|c| c.0)),
            Data::F64(pad_f(|c| c.1)),
            Data::F64(vec![0.0; m]),
            Data::F64(vec![0.0; m]),
        ],
        vec![m as u64],
    );
    let out = run_both(&floor_div_mod_kernel(), &state);
    for (k, c) in ints.iter().enumerate() {
        assert_eq!(out.arrays[2].i64s()[k], c.2, "{} // {}", c.0, c.1);
        assert_eq!(out.arrays[3].i64s()[k], c.3, "{} % {}", c.0, c.1);
    }
    for (k, c) in floats.iter().enumerate() {
        assert_eq!(out.arrays[6].f64s()[k], c.2, "{} // {}", c.0, c.1);
        assert_eq!(out.arrays[7].f64s()[k], c.3, "{} % {}", c.0, c.1);
    }
}

/// Each checked operation on values that fail and values that do not: the
/// results are the plain operation's on both backends, and the context holds
/// the first fault of each site with its element and value.
#[test]
fn checked_operations_record_their_faults() {
    use spikejit_runtime::{Fault, fault_code};
    let mut k = Kernel::new("checked");
    let a = k.array("a", ElemTy::I64);
    let b = k.array("b", ElemTy::I64);
    let x = k.array("x", ElemTy::F64);
    let y = k.array("y", ElemTy::F32);
    let outs: Vec<usize> = (0..7).map(|n| k.array(format!("o{n}"), ElemTy::I64)).collect();
    let fout = k.array("fo", ElemTy::F64);
    let gout = k.array("go", ElemTy::F32);
    let w = k.array("w", ElemTy::I32);
    let n = k.scalar("N", Ty::I64);
    let i = k.local("i", Ty::I64);
    let at = |arr| Expr::load(arr, Expr::Local(i));
    let call = |f, mut args: Vec<Expr>, site: i64| {
        args.push(Expr::I64(site));
        args.push(Expr::Local(i));
        Expr::Call(f, args)
    };
    let store = |arr, value| Stmt::Store {
        array: arr,
        index: Expr::Local(i),
        value,
    };
    let two = [
        Func::CheckedAdd,
        Func::CheckedSub,
        Func::CheckedMul,
        Func::CheckedFloorDiv,
        Func::CheckedMod,
    ];
    let mut body: Vec<Stmt> = two
        .iter()
        .enumerate()
        .map(|(s, f)| store(outs[s], call(*f, vec![at(a), at(b)], s as i64)))
        .collect();
    body.push(store(outs[5], call(Func::CheckedNeg, vec![at(a)], 5)));
    body.push(store(outs[6], call(Func::CheckedToInt, vec![at(x)], 6)));
    body.push(store(fout, call(Func::CheckFinite, vec![at(x)], 7)));
    body.push(store(gout, call(Func::CheckFinite, vec![at(y)], 8)));
    body.push(store(w, call(Func::CheckedI32, vec![at(a)], 9)));
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body,
    });
    // Element 0 fails nothing; then each row fails some.
    let rows: &[(i64, i64, f64)] = &[
        (7, 2, 1.5),
        (5, 0, f64::NAN),
        (i64::MIN, -1, f64::INFINITY),
        (-2, i64::MAX, -1e19),
        (1 << 40, 1 << 30, 9.3e18),
    ];
    let m = rows.len();
    let state = State::new(
        vec![
            Data::I64(rows.iter().map(|r| r.0).collect()),
            Data::I64(rows.iter().map(|r| r.1).collect()),
            Data::F64(rows.iter().map(|r| r.2).collect()),
            Data::F32(rows.iter().map(|r| r.2 as f32).collect()),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::I64(vec![0; m]),
            Data::F64(vec![0.0; m]),
            Data::F32(vec![0.0; m]),
            Data::I32(vec![0; m]),
        ],
        vec![m as u64],
    );
    let out = run_both(&k, &state);
    let col = |n: usize| out.arrays[4 + n].i64s().to_vec();
    assert_eq!(col(0), vec![9, 5, i64::MAX, i64::MAX - 2, (1 << 40) + (1 << 30)]);
    assert_eq!(col(1), vec![5, 5, i64::MIN + 1, i64::MAX, (1 << 40) - (1 << 30)]);
    assert_eq!(col(3), vec![3, 0, i64::MIN, -1, 1 << 10]);
    assert_eq!(col(4), vec![1, 0, 0, i64::MAX - 2, 0]);
    assert_eq!(col(5), vec![-7, -5, i64::MIN, 2, -(1 << 40)]);
    assert_eq!(col(6), vec![1, 0, i64::MAX, i64::MIN, i64::MAX]);
    let f = |code, site, elem, value| Fault {
        code,
        site,
        elem,
        value,
    };
    let bits = |x: f64| x.to_bits() as i64;
    let want = vec![
        // In the order met: element 1 first.
        f(fault_code::DIVISION_BY_ZERO, 3, 1, 5),
        f(fault_code::MODULO_BY_ZERO, 4, 1, 5),
        f(fault_code::INVALID_CONVERSION, 6, 1, bits(f64::NAN)),
        f(fault_code::NON_FINITE, 7, 1, bits(f64::NAN)),
        f(fault_code::NON_FINITE, 8, 1, bits(f64::from(f32::NAN))),
        // Element 2: `MIN + -1`, `MIN * -1`, `MIN // -1`, `-MIN`, MIN stored
        // to 32 bits (the conversion of inf is site 6's second fault: not kept).
        f(fault_code::OVERFLOW, 0, 2, i64::MAX),
        f(fault_code::OVERFLOW, 2, 2, i64::MIN),
        f(fault_code::OVERFLOW, 3, 2, i64::MIN),
        f(fault_code::OVERFLOW, 5, 2, i64::MIN),
        f(fault_code::OVERFLOW, 9, 2, i64::MIN),
        // Element 3: `-2 - MAX`; element 4 fails only sites already recorded.
        f(fault_code::OVERFLOW, 1, 3, i64::MAX),
    ];
    assert_eq!(out.ctx.faults, want);
}

#[test]
fn casts_and_element_types() {
    // Each statement stores one cast result into its own slot of an output array.
    let mut k = Kernel::new("casts");
    let of = k.array("of", ElemTy::F64);
    let og = k.array("og", ElemTy::F32);
    let oi = k.array("oi", ElemTy::I32);
    let ol = k.array("ol", ElemTy::I64);
    let ob = k.array("ob", ElemTy::U8);
    let sg = k.scalar("sg", Ty::F32);
    let sb = k.scalar("sb", Ty::Bool);
    let c = Expr::cast;
    let st = |array, idx: i64, value| Stmt::Store {
        array,
        index: Expr::I64(idx),
        value,
    };
    k.body = vec![
        st(ol, 0, c(Ty::I64, Expr::F64(-2.7))),
        st(ol, 1, c(Ty::I64, Expr::F64(2.7))),
        st(ol, 2, c(Ty::I64, Expr::F64(f64::NAN))),
        st(ol, 3, c(Ty::I64, Expr::F64(1e300))),
        st(ol, 4, c(Ty::I64, Expr::F64(-1e300))),
        st(ol, 5, c(Ty::I64, Expr::Bool(true))),
        st(ol, 6, c(Ty::I64, Expr::F32(-3.5))),
        st(ol, 7, Expr::load(oi, Expr::I64(0))),
        st(oi, 1, Expr::I64(0x1_0000_0005)),
        st(of, 0, c(Ty::F64, Expr::I64(-3))),
        st(of, 1, c(Ty::F64, Expr::Bool(true))),
        st(of, 2, c(Ty::F64, Expr::F32(0.1))),
        st(of, 3, c(Ty::F64, Expr::Scalar(sg))),
        st(og, 0, c(Ty::F32, Expr::F64(0.1))),
        st(og, 1, c(Ty::F32, Expr::I64(16_777_217))),
        st(ob, 0, c(Ty::Bool, Expr::F64(f64::NAN))),
        st(ob, 1, c(Ty::Bool, Expr::F64(-0.0))),
        st(ob, 2, c(Ty::Bool, Expr::I64(-5))),
        st(ob, 3, Expr::Scalar(sb)),
        // A byte of 7 reads as true, and stores back as 1.
        st(ob, 4, Expr::load(ob, Expr::I64(5))),
    ];
    let state = State::new(
        vec![
            Data::F64(vec![0.0; 4]),
            Data::F32(vec![0.0; 2]),
            Data::I32(vec![-9, 0]),
            Data::I64(vec![0; 8]),
            Data::U8(vec![9, 9, 9, 9, 9, 7]),
        ],
        vec![f(0.1f32 as f64), 3],
    );
    let out = run_both(&k, &state);
    let Data::I64(l) = &out.arrays[3] else { panic!() };
    assert_eq!(l, &[-2, 2, 0, i64::MAX, i64::MIN, 1, -3, -9]);
    let Data::I32(i) = &out.arrays[2] else { panic!() };
    assert_eq!(i, &[-9, 5]);
    let Data::F64(fl) = &out.arrays[0] else { panic!() };
    assert_eq!(fl, &[-3.0, 1.0, f64::from(0.1f32), f64::from(0.1f32)]);
    let Data::F32(g) = &out.arrays[1] else { panic!() };
    assert_eq!(g, &[0.1f32, 16_777_216.0]);
    let Data::U8(b) = &out.arrays[4] else { panic!() };
    assert_eq!(b, &[1, 0, 1, 1, 1, 7]);
}

#[test]
fn f32_math_uses_f32_functions() {
    let mut k = Kernel::new("f32");
    let v = k.array("v", ElemTy::F32);
    let i = k.local("i", Ty::I64);
    let x = Expr::load(v, Expr::Local(i));
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::I64(4),
        body: vec![Stmt::Store {
            array: v,
            index: Expr::Local(i),
            value: Expr::bin(
                BinOp::Add,
                Expr::Call(Func::Exp, vec![x.clone()]),
                Expr::Call(Func::Pow, vec![x.clone(), Expr::F32(2.0)]),
            ),
        }],
    });
    let input = vec![0.0f32, 0.5, -1.25, 3.0];
    let out = run_both(&k, &State::new(vec![Data::F32(input.clone())], vec![]));
    let expected: Vec<f32> = input.iter().map(|&x| libm::expf(x) + libm::powf(x, 2.0)).collect();
    assert!(same_data(&out.arrays[0], &Data::F32(expected)));
}

#[test]
fn connect_kernel_pushes_synapses() {
    // for i in 0..N_pre: for j in 0..N_post: if i != j: push_synapse(i, j, 1 + (i+j) % 2)
    let mut k = Kernel::new("connect");
    let n_pre = k.scalar("N_pre", Ty::I64);
    let n_post = k.scalar("N_post", Ty::I64);
    let i = k.local("i", Ty::I64);
    let j = k.local("j", Ty::I64);
    let n = Expr::bin(
        BinOp::Add,
        Expr::I64(1),
        Expr::bin(
            BinOp::Mod,
            Expr::bin(BinOp::Add, Expr::Local(i), Expr::Local(j)),
            Expr::I64(2),
        ),
    );
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n_pre),
        body: vec![Stmt::For {
            var: j,
            start: Expr::I64(0),
            end: Expr::Scalar(n_post),
            body: vec![Stmt::If {
                cond: Expr::bin(BinOp::Ne, Expr::Local(i), Expr::Local(j)),
                then: vec![Stmt::Eval(Expr::Call(
                    Func::PushSynapse,
                    vec![Expr::Local(i), Expr::Local(j), n],
                ))],
                els: vec![],
            }],
        }],
    });
    let out = run_both(&k, &State::new(vec![], vec![3, 3]));
    let mut pre = vec![];
    let mut post = vec![];
    for a in 0..3 {
        for b in 0..3 {
            if a != b {
                for _ in 0..1 + (a + b) % 2 {
                    pre.push(a);
                    post.push(b);
                }
            }
        }
    }
    assert_eq!(out.ctx.pre, pre);
    assert_eq!(out.ctx.post, post);
    assert_eq!(out.ctx.error, None);
}

/// `for i in 0..N: m = sample_size(0, N_post, 1, size, skip); for k in 0..m: push(i, sample_get(k), 1)`.
fn sample_kernel() -> Kernel {
    let mut k = Kernel::new("sample");
    let n_pre = k.scalar("N_pre", Ty::I64);
    let n_post = k.scalar("N_post", Ty::I64);
    let size = k.scalar("size", Ty::I64);
    let skip = k.scalar("skip", Ty::I64);
    let i = k.local("i", Ty::I64);
    let kk = k.local("k", Ty::I64);
    let m = k.local("m", Ty::I64);
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n_pre),
        body: vec![
            Stmt::Assign(
                m,
                Expr::Call(
                    Func::SampleSize,
                    vec![
                        Expr::I64(0),
                        Expr::Scalar(n_post),
                        Expr::I64(1),
                        Expr::Scalar(size),
                        Expr::Scalar(skip),
                    ],
                ),
            ),
            Stmt::For {
                var: kk,
                start: Expr::I64(0),
                end: Expr::Local(m),
                body: vec![Stmt::Eval(Expr::Call(
                    Func::PushSynapse,
                    vec![
                        Expr::Local(i),
                        Expr::Call(Func::SampleGet, vec![Expr::Local(kk)]),
                        Expr::I64(1),
                    ],
                ))],
            },
        ],
    });
    k
}

#[test]
fn sample_kernel_on_both_backends() {
    let k = sample_kernel();
    let out = run_both(&k, &State::new(vec![], vec![5, 100, 3, 0]));
    assert_eq!(out.ctx.pre.len(), 15);
    for row in out.ctx.post.chunks(3) {
        assert!(row[0] < row[1] && row[1] < row[2], "{row:?}");
        assert!(row.iter().all(|&j| (0..100).contains(&j)));
    }
    assert_eq!(out.ctx.error, None);
    // Too large without skip_if_invalid: an error, no synapses.
    let out = run_both(&k, &State::new(vec![], vec![2, 4, 5, 0]));
    assert!(out.ctx.pre.is_empty());
    assert_eq!(out.ctx.error.map(|e| e.code), Some(error_code::SAMPLE_SIZE_TOO_LARGE));
    // With skip_if_invalid: clipped to the population.
    let out = run_both(&k, &State::new(vec![], vec![2, 4, 5, 1]));
    assert_eq!(out.ctx.post, vec![0, 1, 2, 3, 0, 1, 2, 3]);
}

#[test]
fn random_functions_are_the_same_stream() {
    // v[i] = rand() + randn() + f64(poisson(3.0)) + f64(binomial(10, 0.5)) + f64(geometric_skip(0.1))
    let mut k = Kernel::new("random");
    let v = k.array("v", ElemTy::F64);
    let i = k.local("i", Ty::I64);
    let fi = |e| Expr::cast(Ty::F64, e);
    let terms = [
        Expr::Call(Func::Rand, vec![]),
        Expr::Call(Func::Randn, vec![]),
        fi(Expr::Call(Func::Poisson, vec![Expr::F64(3.0)])),
        fi(Expr::Call(Func::Binomial, vec![Expr::I64(10), Expr::F64(0.5)])),
        fi(Expr::Call(Func::GeometricSkip, vec![Expr::F64(0.1)])),
    ];
    let sum = terms.into_iter().reduce(|a, b| Expr::bin(BinOp::Add, a, b)).unwrap();
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::I64(100),
        body: vec![Stmt::Store {
            array: v,
            index: Expr::Local(i),
            value: sum,
        }],
    });
    let state = State::new(vec![Data::F64(vec![0.0; 100])], vec![]);
    let out = run_both(&k, &state);
    // And the same numbers as drawing them directly in this order.
    let mut rng = state.rng.clone();
    for (n, x) in out.arrays[0].f64s().iter().enumerate() {
        let e = rng.uniform()
            + rng.normal()
            + rng.poisson(3.0) as f64
            + rng.binomial(10, 0.5) as f64
            + rng.geometric_skip(0.1) as f64;
        assert_eq!(x.to_bits(), e.to_bits(), "element {n}");
    }
}

#[test]
fn while_and_if_control_flow() {
    // Collatz steps of x, for x in 1..=N: count[x-1] = number of steps to reach 1.
    let mut k = Kernel::new("collatz");
    let count = k.array("count", ElemTy::I32);
    let n = k.scalar("N", Ty::I64);
    let i = k.local("i", Ty::I64);
    let x = k.local("x", Ty::I64);
    let steps = k.local("steps", Ty::I64);
    let lx = || Expr::Local(x);
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![
            Stmt::Assign(x, Expr::bin(BinOp::Add, Expr::Local(i), Expr::I64(1))),
            Stmt::Assign(steps, Expr::I64(0)),
            Stmt::While {
                cond: Expr::bin(BinOp::Ne, lx(), Expr::I64(1)),
                body: vec![
                    Stmt::If {
                        cond: Expr::bin(BinOp::Eq, Expr::bin(BinOp::Mod, lx(), Expr::I64(2)), Expr::I64(0)),
                        then: vec![Stmt::Assign(x, Expr::bin(BinOp::FloorDiv, lx(), Expr::I64(2)))],
                        els: vec![Stmt::Assign(
                            x,
                            Expr::bin(BinOp::Add, Expr::bin(BinOp::Mul, lx(), Expr::I64(3)), Expr::I64(1)),
                        )],
                    },
                    Stmt::Assign(steps, Expr::bin(BinOp::Add, Expr::Local(steps), Expr::I64(1))),
                ],
            },
            Stmt::Store {
                array: count,
                index: Expr::Local(i),
                value: Expr::Local(steps),
            },
        ],
    });
    let out = run_both(&k, &State::new(vec![Data::I32(vec![0; 10])], vec![10]));
    let Data::I32(c) = &out.arrays[0] else { panic!() };
    assert_eq!(c, &[0, 1, 7, 2, 5, 8, 16, 3, 19, 6]);
}

#[test]
fn for_loop_counter_is_independent_of_its_variable() {
    // for i in 0..5 { s = s + i; i = 100 } ; after the loop i == 100, s == 10.
    let mut k = Kernel::new("counter");
    let out = k.array("out", ElemTy::I64);
    let i = k.local("i", Ty::I64);
    let s = k.local("s", Ty::I64);
    k.body = vec![
        Stmt::For {
            var: i,
            start: Expr::I64(0),
            end: Expr::I64(5),
            body: vec![
                Stmt::Assign(s, Expr::bin(BinOp::Add, Expr::Local(s), Expr::Local(i))),
                Stmt::Assign(i, Expr::I64(100)),
            ],
        },
        Stmt::Store {
            array: out,
            index: Expr::I64(0),
            value: Expr::Local(s),
        },
        Stmt::Store {
            array: out,
            index: Expr::I64(1),
            value: Expr::Local(i),
        },
        // An empty loop leaves its variable alone.
        Stmt::For {
            var: i,
            start: Expr::I64(3),
            end: Expr::I64(3),
            body: vec![],
        },
        Stmt::Store {
            array: out,
            index: Expr::I64(2),
            value: Expr::Local(i),
        },
    ];
    let r = run_both(&k, &State::new(vec![Data::I64(vec![0; 3])], vec![]));
    assert_eq!(r.arrays[0].i64s(), &[10, 100, 100]);
}

#[test]
fn identical_kernels_compile_once() {
    let mut jit = Jit::new();
    let a = exp_decay();
    let mut b = exp_decay();
    b.name = "decay_other_group".into();
    b.arrays[0].name = "v_other".into();
    assert!(!jit.compile(&a).unwrap().from_cache());
    let hit = jit.compile(&b).unwrap();
    assert!(hit.from_cache());
    assert!(hit.compile_time() > std::time::Duration::ZERO);
    assert_eq!(jit.total_compile_time(), hit.compile_time());
    assert_eq!(jit.kernels_compiled(), 1);
    assert_eq!(jit.cache_hits(), 1);
    let mut c = exp_decay();
    c.body.push(Stmt::Eval(Expr::I64(0)));
    jit.compile(&c).unwrap();
    assert_eq!(jit.kernels_compiled(), 2);
}

#[test]
fn invalid_kernels_are_rejected() {
    let mut k = exp_decay();
    k.body.push(Stmt::Assign(0, Expr::F64(1.0)));
    for backend in [Backend::Jit, Backend::Interpreter] {
        match Compiler::new(backend).compile(&k) {
            Err(CodegenError::Invalid { kernel, message }) => {
                assert_eq!(kernel, "decay");
                assert!(message.contains("body[1]"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn kernels_outlive_their_jit() {
    let exe = {
        let mut c = Compiler::new(Backend::Jit);
        c.compile(&exp_decay()).unwrap()
    };
    let mut state = State::new(vec![Data::F64(vec![1.0; 4]), Data::F64(vec![1.0; 4])], vec![4, f(1.0)]);
    state.run(&exe);
    assert_eq!(state.arrays[0].f64s(), &[libm::exp(-1.0); 4]);
}

// ---------------------------------------------------------------------------
// Random programs
// ---------------------------------------------------------------------------

/// Length of every array in random programs.
const N: usize = 8;

// The fixed declarations of random programs.
const A_F64: usize = 0;
const A_F32: usize = 1;
const A_I32: usize = 2;
const A_I64: usize = 3;
const A_U8: usize = 4;
const S_N: usize = 0;
const S_F64: usize = 1;
const S_F32: usize = 2;
const S_I64: usize = 3;
const S_BOOL: usize = 4;
/// Two assignable locals per type, in the order F64, F32, I64, Bool.
const L_FIRST: LocalId = 0;
/// Loop variables (read-only for generated assignments, so indices stay in range).
const L_LOOP: [LocalId; 2] = [8, 9];
/// While-loop counters (read-only for generated assignments, so loops end).
const L_COUNT: [LocalId; 2] = [10, 11];

fn random_kernel_decls() -> Kernel {
    let mut k = Kernel::new("random");
    k.array("af", ElemTy::F64);
    k.array("ag", ElemTy::F32);
    k.array("ai", ElemTy::I32);
    k.array("al", ElemTy::I64);
    k.array("ab", ElemTy::U8);
    k.scalar("n", Ty::I64);
    k.scalar("sf", Ty::F64);
    k.scalar("sg", Ty::F32);
    k.scalar("si", Ty::I64);
    k.scalar("sb", Ty::Bool);
    for (t, name) in [(Ty::F64, "f"), (Ty::F32, "g"), (Ty::I64, "l"), (Ty::Bool, "b")] {
        k.local(format!("{name}0"), t);
        k.local(format!("{name}1"), t);
    }
    k.local("i0", Ty::I64);
    k.local("i1", Ty::I64);
    k.local("c0", Ty::I64);
    k.local("c1", Ty::I64);
    k
}

const TYS: [Ty; 4] = [Ty::F64, Ty::F32, Ty::I64, Ty::Bool];

const FLOATS: [f64; 16] = [
    0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    -0.0,
    1e-300,
    1e300,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    3.7,
    -2.5,
    717.5,
    1e-17,
    0.1,
];

const INTS: [i64; 12] = [0, 1, -1, 2, -2, 3, 7, -8, 100, i64::MAX, i64::MIN, 1 << 40];

/// Builds a random well-typed program from a tape of choices (Hypothesis
/// style): shrinking the tape towards zeros and shorter simplifies the program,
/// since choice 0 is always the simplest option and an exhausted tape reads 0.
struct Gen<'t> {
    tape: &'t [u32],
    pos: usize,
    /// Loop variables in scope: always in `0..N`, usable as indices.
    in_scope: Vec<LocalId>,
    loops_used: usize,
    counters_used: usize,
}

impl Gen<'_> {
    fn choose(&mut self, n: usize) -> usize {
        let c = self.tape.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        c as usize % n
    }

    fn local_of(&mut self, t: Ty) -> LocalId {
        let slot = TYS.iter().position(|x| *x == t).unwrap_or(0);
        L_FIRST + 2 * slot + self.choose(2)
    }

    fn any_ty(&mut self) -> Ty {
        TYS[self.choose(4)]
    }

    fn index(&mut self, depth: usize) -> Expr {
        if !self.in_scope.is_empty() && self.choose(2) == 0 {
            let k = self.choose(self.in_scope.len());
            Expr::Local(self.in_scope[k])
        } else {
            // Python's modulo by n > 0 is in 0..n.
            let e = self.expr(Ty::I64, depth);
            Expr::bin(BinOp::Mod, e, Expr::Scalar(S_N))
        }
    }

    fn leaf(&mut self, t: Ty, depth: usize) -> Expr {
        match (self.choose(4), t) {
            (0, Ty::F64) => Expr::F64(FLOATS[self.choose(FLOATS.len())]),
            (0, Ty::F32) => Expr::F32(FLOATS[self.choose(FLOATS.len())] as f32),
            (0, Ty::I64) => Expr::I64(INTS[self.choose(INTS.len())]),
            (0, Ty::Bool) => Expr::Bool(self.choose(2) == 1),
            (1, Ty::I64) => {
                // Loop variables and counters are readable.
                let mut pool = vec![self.local_of(Ty::I64)];
                pool.extend(&self.in_scope);
                pool.extend(&L_COUNT[..self.counters_used]);
                Expr::Local(pool[self.choose(pool.len())])
            }
            (1, t) => Expr::Local(self.local_of(t)),
            (2, Ty::F64) => Expr::Scalar(S_F64),
            (2, Ty::F32) => Expr::Scalar(S_F32),
            (2, Ty::I64) => Expr::Scalar(if self.choose(2) == 0 { S_I64 } else { S_N }),
            (2, Ty::Bool) => Expr::Scalar(S_BOOL),
            (_, t) => {
                let a = match t {
                    Ty::F64 => A_F64,
                    Ty::F32 => A_F32,
                    Ty::I64 => [A_I32, A_I64][self.choose(2)],
                    Ty::Bool => A_U8,
                };
                let i = self.index(depth.saturating_sub(1));
                Expr::load(a, i)
            }
        }
    }

    fn expr(&mut self, t: Ty, depth: usize) -> Expr {
        if depth == 0 || self.choose(4) == 0 {
            return self.leaf(t, depth);
        }
        let d = depth - 1;
        match t {
            Ty::F64 | Ty::F32 => match self.choose(6) {
                0 => {
                    use BinOp::*;
                    let op = [Add, Sub, Mul, Div, FloorDiv, Mod, Pow][self.choose(7)];
                    Expr::bin(op, self.expr(t, d), self.expr(t, d))
                }
                1 => Expr::Unary(UnOp::Neg, Box::new(self.expr(t, d))),
                2 => {
                    let from = self.any_ty();
                    Expr::cast(t, self.expr(from, d))
                }
                3 => Expr::select(self.expr(Ty::Bool, d), self.expr(t, d), self.expr(t, d)),
                4 => match self.choose(Func::MATH1.len() + 1) {
                    0 => Expr::Call(Func::Pow, vec![self.expr(t, d), self.expr(t, d)]),
                    m => Expr::Call(Func::MATH1[m - 1], vec![self.expr(t, d)]),
                },
                _ => {
                    let func = [Func::Rand, Func::Randn][self.choose(2)];
                    Expr::cast(t, Expr::Call(func, vec![]))
                }
            },
            Ty::I64 => match self.choose(6) {
                0 => {
                    use BinOp::*;
                    let op = [Add, Sub, Mul, FloorDiv, Mod][self.choose(5)];
                    Expr::bin(op, self.expr(t, d), self.expr(t, d))
                }
                1 => Expr::Unary(UnOp::Neg, Box::new(self.expr(t, d))),
                2 => {
                    let from = self.any_ty();
                    Expr::cast(t, self.expr(from, d))
                }
                3 => Expr::select(self.expr(Ty::Bool, d), self.expr(t, d), self.expr(t, d)),
                4 => match self.choose(3) {
                    0 => Expr::Call(Func::Poisson, vec![self.expr(Ty::F64, d)]),
                    1 => Expr::Call(Func::Binomial, vec![self.expr(Ty::I64, d), self.expr(Ty::F64, d)]),
                    _ => Expr::Call(Func::GeometricSkip, vec![self.expr(Ty::F64, d)]),
                },
                _ => self.ctx_call(d),
            },
            Ty::Bool => match self.choose(5) {
                0 => {
                    use BinOp::*;
                    let op = [Lt, Le, Gt, Ge, Eq, Ne][self.choose(6)];
                    let u = self.any_ty();
                    Expr::bin(op, self.expr(u, d), self.expr(u, d))
                }
                1 => {
                    let op = [BinOp::And, BinOp::Or][self.choose(2)];
                    Expr::bin(op, self.expr(t, d), self.expr(t, d))
                }
                2 => Expr::logical_not(self.expr(t, d)),
                3 => {
                    let from = self.any_ty();
                    Expr::cast(t, self.expr(from, d))
                }
                _ => Expr::select(self.expr(Ty::Bool, d), self.expr(t, d), self.expr(t, d)),
            },
        }
    }

    /// `e mod m + offset`: a small integer in `offset..offset+m`.
    fn small(&mut self, m: i64, offset: i64, d: usize) -> Expr {
        let e = self.expr(Ty::I64, d);
        Expr::bin(BinOp::Add, Expr::bin(BinOp::Mod, e, Expr::I64(m)), Expr::I64(offset))
    }

    /// A checked operation (see `ir::Func::is_check`) at one of four sites,
    /// reporting a loop variable or a constant as its element.
    fn checked(&mut self, d: usize) -> Expr {
        let site = Expr::I64(self.choose(4) as i64);
        let elem = match self.in_scope.len() {
            0 => Expr::I64(INTS[self.choose(INTS.len())]),
            n => {
                let k = self.choose(n);
                Expr::Local(self.in_scope[k])
            }
        };
        let (f, mut args) = match self.choose(5) {
            0 => {
                let f = [
                    Func::CheckedAdd,
                    Func::CheckedSub,
                    Func::CheckedMul,
                    Func::CheckedFloorDiv,
                    Func::CheckedMod,
                ][self.choose(5)];
                (f, vec![self.expr(Ty::I64, d), self.expr(Ty::I64, d)])
            }
            1 => (
                [Func::CheckedNeg, Func::CheckedI32][self.choose(2)],
                vec![self.expr(Ty::I64, d)],
            ),
            2 => {
                let t = [Ty::F64, Ty::F32][self.choose(2)];
                (Func::CheckedToInt, vec![self.expr(t, d)])
            }
            _ => {
                let t = [Ty::F64, Ty::F32][self.choose(2)];
                let x = self.expr(t, d);
                return Expr::cast(Ty::I64, Expr::Call(Func::CheckFinite, vec![x, site, elem]));
            }
        };
        args.push(site);
        args.push(elem);
        Expr::Call(f, args)
    }

    fn ctx_call(&mut self, d: usize) -> Expr {
        match self.choose(5) {
            4 => self.checked(d),
            0 => Expr::Call(
                Func::PushSynapse,
                vec![self.small(50, 0, d), self.small(50, 0, d), self.small(3, 0, d)],
            ),
            1 => Expr::Call(
                Func::ReportError,
                vec![self.expr(Ty::I64, d), self.expr(Ty::I64, d), self.expr(Ty::I64, d)],
            ),
            2 => Expr::Call(
                Func::SampleSize,
                vec![
                    self.small(20, -10, d),
                    self.small(40, -10, d),
                    // Step 0 is possible: an error path.
                    self.small(7, -3, d),
                    self.small(15, -2, d),
                    Expr::cast(Ty::I64, self.expr(Ty::Bool, d)),
                ],
            ),
            _ => Expr::Call(Func::SampleGet, vec![self.small(14, -1, d)]),
        }
    }

    fn block(&mut self, max_len: usize, depth: usize) -> Vec<Stmt> {
        let len = self.choose(max_len + 1);
        let mut body = Vec::with_capacity(len);
        for _ in 0..len {
            self.stmt(depth, &mut body);
        }
        body
    }

    fn stmt(&mut self, depth: usize, out: &mut Vec<Stmt>) {
        const E: usize = 4;
        match self.choose(6) {
            0 => {
                let t = self.any_ty();
                let l = self.local_of(t);
                out.push(Stmt::Assign(l, self.expr(t, E)));
            }
            1 => {
                let array = self.choose(5);
                let t = [Ty::F64, Ty::F32, Ty::I64, Ty::I64, Ty::Bool][array];
                let index = self.index(E);
                let value = self.expr(t, E);
                out.push(Stmt::Store { array, index, value });
            }
            2 if depth > 0 => {
                let cond = self.expr(Ty::Bool, E);
                let then = self.block(3, depth - 1);
                let els = self.block(3, depth - 1);
                out.push(Stmt::If { cond, then, els });
            }
            3 if depth > 0 && self.loops_used < L_LOOP.len() => {
                let var = L_LOOP[self.loops_used];
                self.loops_used += 1;
                // start in 0..n, end in 0..=n: the variable stays a valid index.
                let start = match self.choose(2) {
                    0 => Expr::I64(0),
                    _ => {
                        let e = self.expr(Ty::I64, 2);
                        Expr::bin(BinOp::Mod, e, Expr::Scalar(S_N))
                    }
                };
                let end = match self.choose(2) {
                    0 => Expr::Scalar(S_N),
                    _ => {
                        let e = self.expr(Ty::I64, 2);
                        let n1 = Expr::bin(BinOp::Add, Expr::Scalar(S_N), Expr::I64(1));
                        Expr::bin(BinOp::Mod, e, n1)
                    }
                };
                self.in_scope.push(var);
                let body = self.block(3, depth - 1);
                self.in_scope.pop();
                self.loops_used -= 1;
                out.push(Stmt::For { var, start, end, body });
            }
            4 if depth > 0 && self.counters_used < L_COUNT.len() => {
                let c = L_COUNT[self.counters_used];
                self.counters_used += 1;
                let bound = 1 + self.choose(4) as i64;
                let extra = self.expr(Ty::Bool, E);
                let mut body = self.block(3, depth - 1);
                self.counters_used -= 1;
                body.push(Stmt::Assign(c, Expr::bin(BinOp::Add, Expr::Local(c), Expr::I64(1))));
                out.push(Stmt::Assign(c, Expr::I64(0)));
                out.push(Stmt::While {
                    cond: Expr::bin(
                        BinOp::And,
                        Expr::bin(BinOp::Lt, Expr::Local(c), Expr::I64(bound)),
                        extra,
                    ),
                    body,
                });
            }
            _ => {
                let t = self.any_ty();
                out.push(Stmt::Eval(self.expr(t, E)));
            }
        }
    }
}

fn random_program(tape: &[u32]) -> Kernel {
    let mut k = random_kernel_decls();
    let mut g = Gen {
        tape,
        pos: 0,
        in_scope: vec![],
        loops_used: 0,
        counters_used: 0,
    };
    // A loop over all elements, then whatever the tape says.
    let var = L_LOOP[0];
    g.loops_used = 1;
    g.in_scope.push(var);
    let body = g.block(4, 2);
    g.in_scope.clear();
    g.loops_used = 0;
    k.body.push(Stmt::For {
        var,
        start: Expr::I64(0),
        end: Expr::Scalar(S_N),
        body,
    });
    k.body.extend(g.block(3, 2));
    k
}

fn float_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -10.0f64..10.0,
        1 => any::<f64>(),
        1 => proptest::sample::select(FLOATS.to_vec()),
    ]
}

fn int_strategy() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -20i64..20,
        1 => any::<i64>(),
        1 => proptest::sample::select(INTS.to_vec()),
    ]
}

prop_compose! {
    fn random_state()(
        af in proptest::collection::vec(float_strategy(), N),
        ag in proptest::collection::vec(float_strategy(), N),
        ai in proptest::collection::vec(int_strategy(), N),
        al in proptest::collection::vec(int_strategy(), N),
        ab in proptest::collection::vec(0u8..3, N),
        sf in float_strategy(),
        sg in float_strategy(),
        si in int_strategy(),
        sb in 0u64..3,
        seed in any::<u64>(),
    ) -> State {
        let mut s = State::new(
            vec![
                Data::F64(af),
                Data::F32(ag.iter().map(|&x| x as f32).collect()),
                Data::I32(ai.iter().map(|&x| x as i32).collect()),
                Data::I64(al),
                Data::U8(ab),
            ],
            // F32 scalars travel as f64 holding an f32 value.
            vec![N as u64, f(sf), f(f64::from(sg as f32)), si as u64, sb],
        );
        s.rng = Rng::seed(seed, 0);
        s
    }
}

thread_local! {
    /// One JIT for all cases: it also exercises the kernel cache. Scalar
    /// loops only: `lanes_equal_interpreter` runs the same programs on lanes.
    static JIT: RefCell<Jit> = RefCell::new({
        let mut jit = Jit::new();
        jit.simd = false;
        jit
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn jit_equals_interpreter(
        tape in proptest::collection::vec(any::<u32>(), 0..600),
        state in random_state(),
    ) {
        let k = random_program(&tape);
        prop_assert_eq!(k.validate(), Ok(()));
        let jit = JIT.with(|j| j.borrow_mut().compile(&k)).map_err(|e| {
            TestCaseError::fail(format!("{e}\n{k}"))
        })?;
        let interp = Compiler::new(Backend::Interpreter).compile(&k).map_err(|e| {
            TestCaseError::fail(format!("{e}"))
        })?;
        let mut a = state.clone();
        let mut b = state;
        a.run(&Executable::Native(jit));
        b.run(&interp);
        if let Some(d) = a.diff(&b) {
            return Err(TestCaseError::fail(format!("backends disagree on\n{k}\n{d}")));
        }
    }

    /// The IR passes (folding, loop-invariant lifting, common subexpression
    /// elimination) do not change what a program computes: the interpreter
    /// gives the same state before and after them.
    #[test]
    fn passes_preserve_meaning(
        tape in proptest::collection::vec(any::<u32>(), 0..600),
        state in random_state(),
    ) {
        let k = random_program(&tape);
        let mut opt = k.clone();
        spikejit::ir::passes::optimise(&mut opt);
        prop_assert_eq!(opt.validate(), Ok(()));
        let plain = Compiler::new(Backend::Interpreter).compile(&k).map_err(|e| {
            TestCaseError::fail(format!("{e}"))
        })?;
        let optimised = Compiler::new(Backend::Interpreter).compile(&opt).map_err(|e| {
            TestCaseError::fail(format!("{e}"))
        })?;
        let mut a = state.clone();
        let mut b = state;
        a.run(&plain);
        b.run(&optimised);
        if let Some(d) = a.diff(&b) {
            return Err(TestCaseError::fail(format!("optimised program differs:\n{k}\n--- optimised ---\n{opt}\n{d}")));
        }
    }

    /// Expressions alone, over every combination of operand values: each of
    /// the four types, stored per element.
    #[test]
    fn expressions_agree(
        tapes in proptest::collection::vec(proptest::collection::vec(any::<u32>(), 0..120), 4),
        state in random_state(),
    ) {
        let mut k = random_kernel_decls();
        let var = L_LOOP[0];
        let mut body = vec![];
        for (t, tape) in TYS.iter().zip(&tapes) {
            let mut g = Gen { tape, pos: 0, in_scope: vec![var], loops_used: 1, counters_used: 0 };
            let value = g.expr(*t, 5);
            let array = match t {
                Ty::F64 => A_F64,
                Ty::F32 => A_F32,
                Ty::I64 => A_I64,
                Ty::Bool => A_U8,
            };
            body.push(Stmt::Store { array, index: Expr::Local(var), value });
        }
        k.body.push(Stmt::For { var, start: Expr::I64(0), end: Expr::Scalar(S_N), body });
        let (jit, interp) = both(&k);
        let mut a = state.clone();
        let mut b = state;
        a.run(&jit);
        b.run(&interp);
        if let Some(d) = a.diff(&b) {
            return Err(TestCaseError::fail(format!("backends disagree on\n{k}\n{d}")));
        }
    }
}

// ---------------------------------------------------------------------------
// Timings (not a test of correctness; run with --ignored --nocapture)
// ---------------------------------------------------------------------------

#[test]
#[ignore = "prints timings; run with --ignored --nocapture"]
fn report_timings() {
    // Compile time: fresh JITs so nothing comes from the cache; the first
    // compile of a JIT also sets Cranelift up.
    let kernels = [exp_decay(), floor_div_mod_kernel(), sample_kernel()];
    for k in &kernels {
        let mut jit = Jit::new();
        let t0 = Instant::now();
        let first = jit.compile(k).unwrap();
        let with_setup = t0.elapsed();
        let mut times = vec![];
        for rep in 0..20 {
            let mut kk = k.clone();
            // A distinct kernel each time (defeats the cache).
            kk.body.push(Stmt::Eval(Expr::I64(rep)));
            times.push(jit.compile(&kk).unwrap().compile_time());
        }
        times.sort();
        println!(
            "compile {:>8}: first {:?} (incl. JIT set-up {:?}), median {:?}, min {:?}",
            k.name,
            first.compile_time(),
            with_setup,
            times[times.len() / 2],
            times[0]
        );
    }

    // Throughput of the exp-decay loop, per-element tau (one exp per element).
    let n = 100_000usize;
    let k = exp_decay();
    for backend in [Backend::Jit, Backend::Interpreter] {
        let exe = Compiler::new(backend).compile(&k).unwrap();
        let mut state = State::new(
            vec![
                Data::F64(vec![-0.065; n]),
                Data::F64((0..n).map(|i| 0.01 + 1e-7 * i as f64).collect()),
            ],
            vec![n as u64, f(1e-4)],
        );
        let reps = if backend == Backend::Jit { 50 } else { 5 };
        let mut best = f64::INFINITY;
        let mut samples = vec![];
        for _ in 0..reps {
            let t0 = Instant::now();
            state.run(&exe);
            let ns = t0.elapsed().as_nanos() as f64 / n as f64;
            best = best.min(ns);
            samples.push(ns);
        }
        samples.sort_by(f64::total_cmp);
        println!(
            "exp decay {backend:?}: median {:.2} ns/element, best {:.2} (N = {n})",
            samples[samples.len() / 2],
            best
        );
    }

    // Rust reference loop with the same exp.
    let mut v = vec![-0.065; n];
    let tau: Vec<f64> = (0..n).map(|i| 0.01 + 1e-7 * i as f64).collect();
    let mut samples = vec![];
    for _ in 0..50 {
        let t0 = Instant::now();
        for (x, t) in v.iter_mut().zip(&tau) {
            *x *= spikejit_runtime::spikejit_exp(-1e-4 / t);
        }
        std::hint::black_box(&v);
        samples.push(t0.elapsed().as_nanos() as f64 / n as f64);
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "exp decay Rust loop: median {:.2} ns/element",
        samples[samples.len() / 2]
    );

    // The hoisted form: v[i] = v[i] * factor (pure streaming).
    let mut k = Kernel::new("scale");
    let v = k.array("v", ElemTy::F64);
    let ns = k.scalar("N", Ty::I64);
    let fct = k.scalar("factor", Ty::F64);
    let i = k.local("i", Ty::I64);
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(ns),
        body: vec![Stmt::Store {
            array: v,
            index: Expr::Local(i),
            value: Expr::bin(BinOp::Mul, Expr::load(v, Expr::Local(i)), Expr::Scalar(fct)),
        }],
    });
    let exe = Compiler::new(Backend::Jit).compile(&k).unwrap();
    let mut state = State::new(vec![Data::F64(vec![1.0; n])], vec![n as u64, f(0.999999)]);
    let mut samples = vec![];
    for _ in 0..200 {
        let t0 = Instant::now();
        state.run(&exe);
        samples.push(t0.elapsed().as_nanos() as f64 / n as f64);
    }
    samples.sort_by(f64::total_cmp);
    println!("v *= factor JIT: median {:.3} ns/element", samples[samples.len() / 2]);
}

/// The generator reaches every construct of the IR (a guard against a
/// generator that silently stops covering something).
#[test]
fn generator_covers_the_ir() {
    use std::collections::BTreeMap;
    fn walk_e(e: &Expr, seen: &mut BTreeMap<String, usize>) {
        let key = match e {
            Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) => "const".to_string(),
            Expr::Local(_) => "local".into(),
            Expr::Scalar(_) => "scalar".into(),
            Expr::Load(a, i) => {
                walk_e(i, seen);
                format!("load{a}")
            }
            Expr::Unary(op, x) => {
                walk_e(x, seen);
                format!("{op:?}")
            }
            Expr::Binary(op, a, b) => {
                walk_e(a, seen);
                walk_e(b, seen);
                format!("{op:?}")
            }
            Expr::Cast(t, x) => {
                walk_e(x, seen);
                format!("cast{}", t.name())
            }
            Expr::Select(c, a, b) => {
                walk_e(c, seen);
                walk_e(a, seen);
                walk_e(b, seen);
                "select".into()
            }
            Expr::Call(f, args) => {
                args.iter().for_each(|a| walk_e(a, seen));
                f.name().to_string()
            }
        };
        *seen.entry(key).or_default() += 1;
    }
    fn walk_s(s: &[Stmt], seen: &mut BTreeMap<String, usize>) {
        for s in s {
            let key = match s {
                Stmt::Assign(_, e) | Stmt::Eval(e) => {
                    walk_e(e, seen);
                    if matches!(s, Stmt::Eval(_)) { "eval" } else { "assign" }
                }
                Stmt::Store { index, value, .. } => {
                    walk_e(index, seen);
                    walk_e(value, seen);
                    "store"
                }
                Stmt::If { cond, then, els } => {
                    walk_e(cond, seen);
                    walk_s(then, seen);
                    walk_s(els, seen);
                    "if"
                }
                Stmt::For { start, end, body, .. } => {
                    walk_e(start, seen);
                    walk_e(end, seen);
                    walk_s(body, seen);
                    "for"
                }
                Stmt::While { cond, body } => {
                    walk_e(cond, seen);
                    walk_s(body, seen);
                    "while"
                }
            };
            *seen.entry(key.to_string()).or_default() += 1;
        }
    }
    let mut seen = BTreeMap::new();
    let mut x = 0x1234_5678_u32;
    let programs = 512;
    for _ in 0..programs {
        let tape: Vec<u32> = (0..600)
            .map(|_| {
                // xorshift32
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x
            })
            .collect();
        walk_s(&random_program(&tape).body, &mut seen);
    }
    println!("{seen:?}");
    let mut missing = vec![];
    for name in Func::MATH1
        .iter()
        .chain(&[Func::Pow, Func::Rand, Func::Randn, Func::Poisson, Func::Binomial])
        .chain(&[Func::GeometricSkip, Func::SampleSize, Func::SampleGet])
        .chain(&[Func::PushSynapse, Func::ReportError])
        .map(|f| f.name().to_string())
        .chain(["Add", "Sub", "Mul", "Div", "FloorDiv", "Mod", "Pow"].map(String::from))
        .chain(["Lt", "Le", "Gt", "Ge", "Eq", "Ne", "And", "Or", "Neg", "Not"].map(String::from))
        .chain(["castf64", "castf32", "casti64", "castbool", "select"].map(String::from))
        .chain((0..5).map(|a| format!("load{a}")))
        .chain(["assign", "store", "if", "for", "while", "eval"].map(String::from))
    {
        if seen.get(&name).copied().unwrap_or(0) < 5 {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "rarely generated: {missing:?}\n{seen:?}");
}

/// The simulator may move its compiler and kernels across threads.
#[test]
fn handles_are_send() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Jit>();
    send::<Compiler>();
    send_sync::<Executable>();
    send_sync::<spikejit::codegen::CompiledKernel>();
}

// ---------------------------------------------------------------------------
// Element loops on two lanes (the JIT's `simd`)
// ---------------------------------------------------------------------------

/// An `f64` (`t` F64) or bool expression of the kind that runs on two lanes:
/// constants, scalars, elements at the loop index, the locals `defined` so far
/// (others: a value carried from the previous element, which keeps the loop
/// scalar), arithmetic, comparisons, logic, casts, selects, `abs`, `sqrt`.
fn lane_expr(g: &mut Gen, t: Ty, depth: usize, var: LocalId) -> Expr {
    let leaf = depth == 0 || g.choose(3) == 0;
    let d = depth.saturating_sub(1);
    match (t, leaf) {
        (Ty::F64, true) => match g.choose(4) {
            0 => Expr::F64(FLOATS[g.choose(FLOATS.len())]),
            1 => Expr::Scalar(S_F64),
            2 => Expr::Local(L_FIRST + g.choose(2)),
            _ => Expr::load(A_F64, Expr::Local(var)),
        },
        (_, true) => match g.choose(4) {
            0 => Expr::Bool(g.choose(2) == 1),
            1 => Expr::Scalar(S_BOOL),
            2 => Expr::Local(L_FIRST + 6 + g.choose(2)),
            _ => Expr::load(A_U8, Expr::Local(var)),
        },
        (Ty::F64, false) => match g.choose(6) {
            0 => {
                let op = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div][g.choose(4)];
                Expr::bin(op, lane_expr(g, Ty::F64, d, var), lane_expr(g, Ty::F64, d, var))
            }
            1 => Expr::Unary(UnOp::Neg, Box::new(lane_expr(g, Ty::F64, d, var))),
            2 => Expr::cast(Ty::F64, lane_expr(g, Ty::Bool, d, var)),
            3 => Expr::select(
                lane_expr(g, Ty::Bool, d, var),
                lane_expr(g, Ty::F64, d, var),
                lane_expr(g, Ty::F64, d, var),
            ),
            _ => Expr::Call(
                [Func::Abs, Func::Sqrt, Func::Exp][g.choose(3)],
                vec![lane_expr(g, Ty::F64, d, var)],
            ),
        },
        (_, false) => match g.choose(5) {
            0 => {
                use BinOp::*;
                let op = [Lt, Le, Gt, Ge, Eq, Ne][g.choose(6)];
                Expr::bin(op, lane_expr(g, Ty::F64, d, var), lane_expr(g, Ty::F64, d, var))
            }
            1 => {
                let op = [BinOp::And, BinOp::Or][g.choose(2)];
                Expr::bin(op, lane_expr(g, Ty::Bool, d, var), lane_expr(g, Ty::Bool, d, var))
            }
            2 => Expr::Unary(UnOp::Not, Box::new(lane_expr(g, Ty::Bool, d, var))),
            3 => Expr::cast(Ty::Bool, lane_expr(g, Ty::F64, d, var)),
            _ => Expr::select(
                lane_expr(g, Ty::Bool, d, var),
                lane_expr(g, Ty::Bool, d, var),
                lane_expr(g, Ty::Bool, d, var),
            ),
        },
    }
}

/// A state update and threshold of random lane expressions: assignments and
/// stores at the loop index, then a spike list in the `if` (the shape of a
/// fused update and threshold), over an even or odd number of elements; the
/// locals are read after the loop.
fn lane_program(tape: &[u32]) -> Kernel {
    let mut k = random_kernel_decls();
    let mut g = Gen {
        tape,
        pos: 0,
        in_scope: vec![],
        loops_used: 0,
        counters_used: 0,
    };
    let var = L_LOOP[0];
    let count = L_FIRST + 4;
    let at = |a| Expr::Local(a);
    let mut body = vec![];
    for _ in 0..1 + g.choose(6) {
        let t = [Ty::F64, Ty::Bool][g.choose(2)];
        let value = lane_expr(&mut g, t, 3, var);
        match (g.choose(2), t) {
            (0, Ty::F64) => body.push(Stmt::Assign(L_FIRST + g.choose(2), value)),
            (0, _) => body.push(Stmt::Assign(L_FIRST + 6 + g.choose(2), value)),
            (_, Ty::F64) => body.push(Stmt::Store {
                array: A_F64,
                index: at(var),
                value,
            }),
            (_, _) => body.push(Stmt::Store {
                array: A_U8,
                index: at(var),
                value,
            }),
        }
    }
    let cond = lane_expr(&mut g, Ty::Bool, 3, var);
    let mut then = vec![
        Stmt::Store {
            array: A_I32,
            index: at(count),
            value: at(var),
        },
        Stmt::Assign(count, Expr::bin(BinOp::Add, at(count), Expr::I64(1))),
        Stmt::Store {
            array: A_U8,
            index: at(var),
            value: Expr::Bool(false),
        },
        Stmt::Store {
            array: A_F64,
            index: at(var),
            value: Expr::Scalar(S_F64),
        },
    ];
    if g.choose(2) == 1 {
        // The `if` changes a local the lanes computed.
        then.push(Stmt::Assign(L_FIRST, Expr::F64(-7.0)));
    }
    body.push(Stmt::If {
        cond,
        then,
        els: vec![],
    });
    k.body.push(Stmt::Assign(count, Expr::I64(0)));
    k.body.push(Stmt::For {
        var,
        start: Expr::I64(g.choose(2) as i64),
        end: Expr::Scalar(S_N),
        body,
    });
    // What the loop left: the spike count and the locals of the last element.
    let left = [
        (A_I64, at(count)),
        (A_F64, at(L_FIRST)),
        (A_F64, at(L_FIRST + 1)),
        (A_U8, at(L_FIRST + 6)),
        (A_U8, at(L_FIRST + 7)),
        (A_I64, at(var)),
    ];
    for (n, (array, value)) in left.into_iter().enumerate() {
        k.body.push(Stmt::Store {
            array,
            index: Expr::I64(n as i64),
            value,
        });
    }
    k
}

/// CUBA's fused update and threshold after forwarding: the refractory flag
/// stored, the update selected by it, then the spike `if` appending to a list.
/// With `carry`, the update also reads the previous element's value.
fn cuba_shape(carry: bool) -> Kernel {
    let mut k = Kernel::new("cuba");
    let x = k.array("x", ElemTy::F64);
    let v = k.array("v", ElemTy::F64);
    let nr = k.array("nr", ElemTy::U8);
    let spikes = k.array("spikes", ElemTy::I32);
    let last = k.array("last", ElemTy::F64);
    let n = k.scalar("n", Ty::I64);
    let i = k.local("i", Ty::I64);
    let flag = k.local("flag", Ty::Bool);
    let v_new = k.local("v_new", Ty::F64);
    let count = k.local("count", Ty::I64);
    let at = |a| Expr::load(a, Expr::Local(i));
    let store = |a, value| Stmt::Store {
        array: a,
        index: Expr::Local(i),
        value,
    };
    let update = if carry {
        Expr::bin(BinOp::Add, Expr::Local(v_new), at(v))
    } else {
        Expr::bin(BinOp::Mul, Expr::F64(1.5), at(v))
    };
    k.body.push(Stmt::Assign(count, Expr::I64(0)));
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![
            Stmt::Assign(flag, Expr::bin(BinOp::Gt, at(x), Expr::F64(0.25))),
            store(nr, Expr::Local(flag)),
            Stmt::Assign(v_new, Expr::select(Expr::Local(flag), update, at(v))),
            store(v, Expr::Local(v_new)),
            Stmt::If {
                cond: Expr::bin(
                    BinOp::And,
                    Expr::bin(BinOp::Gt, Expr::Local(v_new), Expr::F64(1.0)),
                    Expr::Local(flag),
                ),
                then: vec![
                    Stmt::Store {
                        array: spikes,
                        index: Expr::Local(count),
                        value: Expr::Local(i),
                    },
                    Stmt::Assign(count, Expr::bin(BinOp::Add, Expr::Local(count), Expr::I64(1))),
                    store(nr, Expr::Bool(false)),
                    store(last, Expr::F64(7.0)),
                ],
                els: vec![],
            },
        ],
    });
    k.body.push(Stmt::Store {
        array: spikes,
        index: Expr::Scalar(n),
        value: Expr::Local(count),
    });
    k
}

/// CUBA's shape runs on two lanes and agrees with the interpreter over an odd
/// count with spikes in both lanes of some pairs; a loop that carries a value
/// from one element to the next stays scalar.
#[test]
fn update_and_threshold_run_on_lanes() {
    let mut jit = Jit::new();
    jit.simd = true;
    let mut on_lanes = vec![];
    for k in [cuba_shape(false), cuba_shape(true)] {
        let before = jit.vector_loops();
        let exe = Executable::Native(jit.compile(&k).expect("jit compiles"));
        on_lanes.push(jit.vector_loops() - before);
        let interp = Compiler::new(Backend::Interpreter)
            .compile(&k)
            .expect("interpreter accepts");
        let n = 63;
        let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 64) as f64 / 64.0).collect();
        let v: Vec<f64> = (0..n).map(|i| ((i * 11) % 16) as f64 / 8.0).collect();
        let state = State::new(
            vec![
                Data::F64(x),
                Data::F64(v),
                Data::U8(vec![1; n]),
                Data::I32(vec![-1; n + 1]),
                Data::F64(vec![0.0; n]),
            ],
            vec![n as u64],
        );
        let (mut a, mut b) = (state.clone(), state);
        a.run(&exe);
        b.run(&interp);
        assert_eq!(a.diff(&b), None, "{k}");
        let Data::I32(spikes) = &a.arrays[3] else { panic!() };
        let listed = &spikes[..spikes[n] as usize];
        assert!(listed.windows(2).all(|w| w[0] < w[1]), "{listed:?}");
        assert!(
            listed.windows(2).any(|w| w[0] % 2 == 0 && w[1] == w[0] + 1),
            "{listed:?}"
        );
    }
    assert_eq!(on_lanes, [1, 0]);
}

/// `exp` runs on two lanes (where the CPU has FMA) with the bits of the
/// scalar `spikejit_exp`, which the interpreter calls: pairs with both lanes in
/// the inline path's range, pairs with one lane or both outside it (overflow,
/// underflow, tiny, zero, infinities, NaN, the range's edges) and an odd last
/// element.
#[test]
fn exp_runs_on_lanes_with_the_scalar_bits() {
    let mut k = Kernel::new("exp");
    let x = k.array("x", ElemTy::F64);
    let y = k.array("y", ElemTy::F64);
    let n = k.scalar("n", Ty::I64);
    let i = k.local("i", Ty::I64);
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body: vec![Stmt::Store {
            array: y,
            index: Expr::Local(i),
            value: Expr::Call(Func::Exp, vec![Expr::load(x, Expr::Local(i))]),
        }],
    });
    let specials = [
        0.0,
        -0.0,
        1e-300,
        -1e-17,
        2f64.powi(-54),
        2f64.powi(-55),
        511.999,
        512.0,
        -512.0,
        600.0,
        709.78,
        710.0,
        -745.0,
        -800.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let mut xs = vec![];
    for (j, s) in specials.iter().enumerate() {
        // A special beside an ordinary argument, and two specials together.
        xs.extend([*s, (j as f64 - 8.0) * 0.37, *s, specials[(j + 5) % specials.len()]]);
    }
    // Ordinary arguments (a last bit that a missing FMA changes is rare).
    xs.extend((0..200_001).map(|j| (j as f64 - 100_000.0) * 3.1e-4));
    let count = xs.len();
    let mut jit = Jit::new();
    jit.simd = true;
    let exe = Executable::Native(jit.compile(&k).expect("jit compiles"));
    let fma = std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx");
    assert_eq!(jit.vector_loops(), usize::from(fma));
    let interp = Compiler::new(Backend::Interpreter)
        .compile(&k)
        .expect("interpreter accepts");
    let state = State::new(
        vec![Data::F64(xs.clone()), Data::F64(vec![0.0; count])],
        vec![count as u64],
    );
    let (mut a, mut b) = (state.clone(), state);
    a.run(&exe);
    b.run(&interp);
    assert_eq!(a.diff(&b), None);
    let Data::F64(got) = &a.arrays[1] else { panic!() };
    for (x, y) in xs.iter().zip(got) {
        let want = spikejit_runtime::spikejit_exp(*x);
        assert!(
            y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()),
            "exp({x:e}) on lanes: {y:e}, scalar: {want:e}"
        );
    }
}

/// A long loop body (as COBAHH's) runs four pairs per iteration, then single
/// pairs, then the scalar loop: over 4k + 3 elements with spikes in every
/// position of a group of eight, the results and the spike order are the
/// interpreter's.
#[test]
fn long_bodies_run_four_pairs_at_a_time() {
    let mut k = Kernel::new("long");
    let x = k.array("x", ElemTy::F64);
    let spikes = k.array("spikes", ElemTy::I32);
    let n = k.scalar("n", Ty::I64);
    let i = k.local("i", Ty::I64);
    let y = k.local("y", Ty::F64);
    let count = k.local("count", Ty::I64);
    let mut body = vec![Stmt::Assign(y, Expr::load(x, Expr::Local(i)))];
    // ~200 expression nodes: y = y * 0.999 + 0.01 * exp(-y) / (2 + y*y), 12 times.
    for _ in 0..12 {
        let e = Expr::bin(
            BinOp::Add,
            Expr::bin(BinOp::Mul, Expr::Local(y), Expr::F64(0.999)),
            Expr::bin(
                BinOp::Mul,
                Expr::F64(0.01),
                Expr::bin(
                    BinOp::Div,
                    Expr::Call(Func::Exp, vec![Expr::Unary(UnOp::Neg, Box::new(Expr::Local(y)))]),
                    Expr::bin(
                        BinOp::Add,
                        Expr::F64(2.0),
                        Expr::bin(BinOp::Mul, Expr::Local(y), Expr::Local(y)),
                    ),
                ),
            ),
        );
        body.push(Stmt::Assign(y, e));
    }
    body.push(Stmt::Store {
        array: x,
        index: Expr::Local(i),
        value: Expr::Local(y),
    });
    body.push(Stmt::If {
        cond: Expr::bin(BinOp::Gt, Expr::Local(y), Expr::F64(1.0)),
        then: vec![
            Stmt::Store {
                array: spikes,
                index: Expr::Local(count),
                value: Expr::Local(i),
            },
            Stmt::Assign(count, Expr::bin(BinOp::Add, Expr::Local(count), Expr::I64(1))),
        ],
        els: vec![],
    });
    k.body.push(Stmt::Assign(count, Expr::I64(0)));
    k.body.push(Stmt::For {
        var: i,
        start: Expr::I64(0),
        end: Expr::Scalar(n),
        body,
    });
    k.body.push(Stmt::Store {
        array: spikes,
        index: Expr::Scalar(n),
        value: Expr::Local(count),
    });
    let mut jit = Jit::new();
    jit.simd = true;
    let exe = Executable::Native(jit.compile(&k).expect("jit compiles"));
    assert_eq!(jit.vector_loops(), 1);
    let interp = Compiler::new(Backend::Interpreter)
        .compile(&k)
        .expect("interpreter accepts");
    let count = 4 * 25 + 3;
    // Above 1 after the update roughly where x is large: spikes at scattered places.
    let xs: Vec<f64> = (0..count).map(|j| ((j * 37) % 23) as f64 / 4.0 - 2.0).collect();
    let state = State::new(vec![Data::F64(xs), Data::I32(vec![-1; count + 1])], vec![count as u64]);
    let (mut a, mut b) = (state.clone(), state);
    a.run(&exe);
    b.run(&interp);
    assert_eq!(a.diff(&b), None);
    let Data::I32(listed) = &a.arrays[1] else { panic!() };
    let listed = &listed[..listed[count] as usize];
    assert!(listed.len() > 10 && listed.len() < count - 10, "{listed:?}");
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "{listed:?}");
    // Spikes in the scalar tail and in more than one pair of a group of four.
    assert!(listed.iter().any(|&j| j as usize >= count - 3), "{listed:?}");
    assert!(listed.iter().any(|&j| j % 8 >= 4), "{listed:?}");
}

thread_local! {
    /// A JIT that runs element loops on two lanes where it can (whatever
    /// the environment says).
    static SIMD_JIT: RefCell<Jit> = RefCell::new({
        let mut jit = Jit::new();
        jit.simd = true;
        jit
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Element loops on two lanes give the interpreter's results bit for bit,
    /// spikes in element order, over even and odd element counts.
    #[test]
    fn lanes_equal_interpreter(
        tape in proptest::collection::vec(any::<u32>(), 0..300),
        state in random_state(),
    ) {
        let k = random_program(&tape);
        let lanes = lane_program(&tape);
        for k in [k, lanes] {
            prop_assert_eq!(k.validate(), Ok(()));
            let jit = SIMD_JIT.with(|j| j.borrow_mut().compile(&k)).map_err(|e| {
                TestCaseError::fail(format!("{e}\n{k}"))
            })?;
            let interp = Compiler::new(Backend::Interpreter).compile(&k).map_err(|e| {
                TestCaseError::fail(format!("{e}"))
            })?;
            let mut a = state.clone();
            let mut b = state.clone();
            a.run(&Executable::Native(jit));
            b.run(&interp);
            if let Some(d) = a.diff(&b) {
                return Err(TestCaseError::fail(format!("backends disagree on\n{k}\n{d}")));
            }
        }
    }
}
