"""Closed forms: the engine's symbolic reverse sweep vs ``sympy.diff`` of the expansion.

1. micrograd's demo network ``MLP(2, [16, 16, 1])`` after ``random.seed(1337)``, on
   the first moons sample (inputs the variables x_1, x_2, target y a number):

       loss = relu(1 - y * mlp(x)) + 1e-4 * sum_p p^2

   and the closed form d loss/d p of all 337 parameters p:
   - engine, cold: ``p.grad_expr`` for every p right after ``loss.backward()``
     (not with --quick);
   - engine, in two parts on a fresh graph: ``p.chain_expr`` for every p (the reverse
     sweep in node symbols), then ``p.grad_expr`` (the expansion into the variables);
   - SymPy: ``loss.expr`` (the whole loss expanded into the variables), then
     ``sympy.diff(loss.expr, p.symbol)`` for each p, stopped after a time cap (a
     lower bound then, with the parameters done counted).
2. a 30-deep composition of one variable x (the levels cycle through tanh, *x,
   sigmoid, log(v^2 + 1), exp(-v), +x): ``x.grad_expr`` vs ``sympy.diff(v.expr, x)``
   (each on its own copy of the graph, the expansion of ``v.expr`` included).

Every timing starts with SymPy's cache emptied, so no method reuses another's work.
The engine's times are the median of 5 fresh graphs each (this machine is shared, and
a 0.1 s measurement is at its mercy); sympy.diff's ten-odd seconds are timed once.

For each set of closed forms: the time (CPU time of this process), ``sympy.count_ops``
summed over the forms before and after one ``sympy.cse`` of them all (with the time
cse took), and the agreement: the engine's forms evaluated at the point equal
backward's ``p.grad``, and SymPy's equal the engine's at the point and at a random
second point (both evaluated through their cse form, in SymPy's own Floats). With
--quick, the counts, cse and checks use every 10th form.

    python tests/benchmarks/bench_symbolic.py [--quick] [--cap SECONDS]
"""

import functools
import random
import sys
import time

import _common as C

RTOL = 1e-9
REPEATS = 5  # the engine's timings: the median of this many fresh graphs (a shared machine)
SPEEDUP_TARGET = 100  # all closed forms: at least 100x sympy.diff of the expansion
CHAIN_TARGET = 0.1  # the chain-rule view of them all: under a tenth of grad_expr's time


def warm_up():
    """SymPy imports a module on its first Add (sympy.tensor, a tenth of a second):
    paid here, so that neither side's timing includes a one-time import."""
    import sympy

    sympy.Add(sympy.Symbol("a"), sympy.Symbol("b"))


def demo_loss():
    """The demo network and its one-sample loss; its variables: parameters + x."""
    import numpy as np

    from engine import Value
    from engine.data import make_moons
    from engine.nn import MLP

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    model = MLP(2, [16, 16, 1])
    x = [Value(X[0, 0], label="x_1"), Value(X[0, 1], label="x_2")]

    def loss():
        score = model(x)
        return (1 + -(2 * y[0] - 1) * score).relu() + 1e-4 * sum(p * p for p in model.parameters())

    return loss, model.parameters(), x


def timed(fn):
    """fn()'s result and the CPU time it took (steadier than wall time when shared),
    SymPy's cache emptied first so that no method reuses another's work."""
    from sympy.core.cache import clear_cache

    clear_cache()
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def ops_and_cse(forms):
    """count_ops summed over the forms, and after one cse of them all; plus the cse
    itself, to evaluate them with."""
    import sympy

    before = sum(sympy.count_ops(f) for f in forms)
    (reps, reduced), t_cse = timed(lambda: sympy.cse(forms))
    after = sum(sympy.count_ops(e) for _, e in reps) + sum(sympy.count_ops(f) for f in reduced)
    return before, after, t_cse, (reps, reduced)


def evaluate(cse_form, point):
    """Every form's value at point {symbol: number}, through the cse form."""
    import sympy

    reps, reduced = cse_form
    vals = {s: sympy.Float(v) for s, v in point.items()}
    for s, e in reps:
        vals[s] = e.xreplace(vals)
    return [float(f.xreplace(vals)) for f in reduced]


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def agreement(bench, system, measure, worst):
    flag = "" if worst <= RTOL else "MISMATCH"
    return C.row(bench, system, measure, f"max rel diff {worst:.1e}", flag=flag)


def symbolic_rows(bench, engine_forms, sympy_forms, t_engine, t_sympy, point, grads,
                  n_total, capped, count_every=1, t_fixed=0.0):  # fmt: skip
    """Rows for one comparison: times, op counts before/after cse, agreement.

    When SymPy was capped, its time for all forms is extrapolated: t_fixed (the
    expansion of the root, done once) plus the per-form diff time times the count."""
    rows = []
    erow = functools.partial(C.row, anchors=("sympy.diff",))
    done = len(sympy_forms)
    some = f" ({done} of {n_total})" if done < n_total else ""
    per = f" (every {count_every}th form)" if count_every > 1 else ""
    k = count_every  # --quick: counts, cse and checks on a sample of the forms
    engine_forms, sympy_forms, grads = engine_forms[::k], sympy_forms[::k], grads[::k]
    e_before, e_after, e_cse, e_form = ops_and_cse(engine_forms)
    s_before, s_after, s_cse, s_form = ops_and_cse(sympy_forms)
    flag = "CAPPED" if capped else ""
    if capped:
        guess = t_fixed + (t_sympy - t_fixed) * n_total / max(done, 1)  # expr once, diff each
        text = (f"> {t_sympy:.3g} s, capped: {done} of {n_total} done "
                f"(all: ~{guess:.0f} s, ~{guess / t_engine:.0f}x)")  # fmt: skip
        rows.append(C.row(bench, "sympy.diff", "time, all closed forms", text, flag=flag))
    else:
        rows.append(C.row(bench, "sympy.diff", "time, all closed forms", t_sympy, "s"))
    rows.append(erow(bench, "engine", f"count_ops before cse{per}", e_before))
    rows.append(erow(bench, "engine", f"count_ops after cse{per}", e_after))
    rows.append(erow(bench, "engine", f"cse time{per}", e_cse, "s"))
    if not some:
        rows.append(C.row(bench, "sympy.diff", f"count_ops before cse{per}", s_before))
        rows.append(C.row(bench, "sympy.diff", f"count_ops after cse{per}", s_after))
        rows.append(C.row(bench, "sympy.diff", f"cse time{per}", s_cse, "s"))
    else:
        note = f"{done} forms{per}: before cse {s_before:,}, after {s_after:,}, cse {s_cse:.2g} s"
        rows.append(C.row(bench, "sympy.diff", "count_ops (the forms done)", note))
    at_point = evaluate(e_form, point)
    worst = max(rel(a, b) for a, b in zip(at_point, grads))
    measure = f"closed forms at the point vs backward's grads{per}"
    rows.append(agreement(bench, "engine", measure, worst))
    rnd = random.Random(7)
    other = {s: rnd.uniform(-1, 1) for s in point}
    worst = 0.0
    for pt in (point, other):
        a = evaluate(e_form, pt)[: len(sympy_forms)]
        b = evaluate(s_form, pt)
        worst = max([worst] + [rel(u, v) for u, v in zip(a, b)])
    rows.append(agreement(bench, "sympy.diff", f"vs engine's forms at 2 points{some}{per}", worst))
    return rows


def mlp(cap, quick):
    import sympy

    warm_up()
    loss_fn, params, x = demo_loss()
    n = len(params)
    bench = f"symbolic: all {n} closed forms, MLP(2,[16,16,1]) one-sample loss"
    rows = []
    repeats = 1 if quick else REPEATS

    def fresh():  # a fresh graph: nothing memoized on its nodes
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        loss.backward()
        return loss  # kept alive: grad_expr reads its root through a weak reference

    def median(times):
        times = sorted(times)
        spread = f"median of {len(times)}: {times[0]:.3g} to {times[-1]:.3g} s"
        return times[len(times) // 2], spread

    if not quick:  # cold: grad_expr straight after backward(), the sweep included
        colds = []
        for _ in range(repeats):
            loss = fresh()
            colds.append(timed(lambda: [p.grad_expr for p in params])[1])
        t_cold, spread = median(colds)
        rows.append(C.row(bench, "engine", "time, all closed forms", t_cold, "s",
                          note=f"p.grad_expr for every p after backward(); {spread}",
                          anchors=("sympy.diff",)))  # fmt: skip
    sweeps, expands = [], []
    for _ in range(repeats):
        loss = fresh()
        sweeps.append(timed(lambda: [p.chain_expr for p in params])[1])
        cold, t = timed(lambda: [p.grad_expr for p in params])
        expands.append(t)
    (t_sweep, sweep_spread), (t_expand, _) = median(sweeps), median(expands)
    print(f"engine: sweep {t_sweep:.3g} s + expansion {t_expand:.3g} s ({sweep_spread})")
    if quick:
        t_cold = t_sweep + t_expand
        rows.append(C.row(bench, "engine", "time, all closed forms", t_cold, "s",
                          note="chain_expr for every p, then grad_expr",
                          anchors=("sympy.diff",)))  # fmt: skip
    rows += [
        C.row(
            bench,
            "engine",
            "  of which: reverse sweep (chain_expr)",
            t_sweep,
            "s",
            note=sweep_spread,
        ),
        C.row(bench, "engine", "  of which: expansion (grad_expr after it)", t_expand, "s"),
    ]
    loss = loss_fn()  # fresh nodes: the engine's memoized expressions are not reused
    full, t_expr = timed(lambda: loss.expr)
    diffs, t = [], time.process_time()
    for p in params:
        if time.process_time() - t > cap:
            break
        diffs.append(sympy.diff(full, p.symbol))
    t_diff = time.process_time() - t
    print(f"sympy: loss.expr {t_expr:.3g} s, diff {len(diffs)} of {n} in {t_diff:.3g} s")
    point = {p.symbol: p.data for p in params + x}
    grads = [p.grad for p in params]
    rows += symbolic_rows(bench, cold, diffs, t_cold, t_expr + t_diff, point, grads, n,
                          capped=len(diffs) < n, count_every=10 if quick else 1,
                          t_fixed=t_expr)  # fmt: skip
    if len(diffs) == n:
        speedup = (t_expr + t_diff) / t_cold
        rows.append(C.row(bench, "engine", f"speedup vs sympy.diff (target >= {SPEEDUP_TARGET}x)",
                          f"{speedup:.0f}x (CPU time)",
                          flag="" if speedup >= SPEEDUP_TARGET else "NOT MET"))  # fmt: skip
    share = t_sweep / t_cold
    rows.append(C.row(bench, "engine", f"chain_expr time / grad_expr's (target < {CHAIN_TARGET})",
                      f"{share:.2f} ({t_sweep:.3g} s / {t_cold:.3g} s)",
                      flag="" if share < CHAIN_TARGET else "NOT MET"))  # fmt: skip
    return rows


def composition(depth=30):
    import sympy

    from engine import Value

    def make():
        x = Value(0.7, label="x")
        levels = [
            lambda v: v.tanh(),
            lambda v: v * x,
            lambda v: v.sigmoid(),
            lambda v: (v**2 + 1).log(),
            lambda v: (-v).exp(),
            lambda v: v + x,
        ]
        v = x
        for i in range(depth):
            v = levels[i % len(levels)](v)
        return v, x

    warm_up()
    v, x = make()
    v.backward()
    g, t_engine = timed(lambda: x.grad_expr)
    v2, x2 = make()  # fresh nodes, so SymPy's side builds the expression itself
    d, t_sympy = timed(lambda: sympy.diff(v2.expr, x2.symbol))
    bench = f"symbolic: {depth}-deep composition d/dx"
    rows = [C.row(bench, "engine", "time, all closed forms", t_engine, "s",
                  anchors=("sympy.diff",))]  # fmt: skip
    rows += symbolic_rows(bench, [g], [d], t_engine, t_sympy, {x.symbol: x.data}, [x.grad], 1,
                          capped=False)  # fmt: skip
    return rows


def main():
    p = C.parser(__doc__.split("\n")[0])
    p.add_argument("--cap", type=float, help="CPU s for sympy.diff (default 60; quick 5)")
    args = C.parse(p)
    cap = args.cap or (5 if args.quick else 60)
    rows = mlp(cap, args.quick) + composition()
    C.emit(rows, args.json)
    return 1 if any(r["flag"] in C.LOUD for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
