"""Depth: chains of tanh and of + from 10^3 to 10^6 nodes deep, and their closed forms.

Two chains, each as deep as the number of its links n:

- tanh: ``v = x; v = v.tanh()`` n times (n + 1 nodes);
- + (``sum()``): ``sum(xs)`` over n distinct leaves, i.e. ``((0 + x1) + x2) + ...``,
  the shape of every ``sum(losses)`` (2n + 1 nodes).

For each, in a fresh child process per depth: building the graph, ``backward()`` and
``forward()`` (re-evaluation after changing the leaf), each the CPU time of the best
of at least 3 runs, reported as time per node so that linear growth shows as a flat
row. The cyclic garbage collector is on, as users run; unless --quick, each depth
runs once more with it off, as a control: the engine's graphs have no cycles, but
the collector still walks every live node. Then, up to 10^4 deep, the closed form
at the deepest leaf (``chain_expr``: the symbolic reverse sweep; ``grad_expr``: its
expansion into the variables; CPU time), each depth in its own child with a
wall-time cap. SymPy's own failures (it recurses on expression depth) are caught and
reported with the error type and the SymPy function that raised it.

micrograd 0.1.0 has no tanh; its + chain is built and its ``backward()`` raises
RecursionError (its topological sort recurses); the deepest chain it can take is
found by bisection.

    python tests/benchmarks/bench_depth.py [--quick] [--max-depth N]
"""

import argparse
import gc
import math
import sys
import time
import traceback

import _common as C

OPS = ("tanh", "+")


def build(op, n, Value):
    """The chain of n links, and its deepest leaf."""
    x = Value(0.5)
    if op == "tanh":
        v = x
        for _ in range(n):
            v = v.tanh()
        return v, x
    xs = [x] + [Value(0.001 * (i % 7)) for i in range(1, n)]
    return sum(xs), x


def numeric_child(op, n, gc_on, min_total):
    """Engine: build, backward, forward() CPU times (best of >= 3 runs), node count."""
    from engine import Value, topo_order

    if not gc_on:
        gc.disable()
    # CPU time, best of at least 3 runs and of about min_total s in all: shallow
    # chains get many runs, which the noise of a shared machine needs; deep ones 3.
    reps = dict(min_reps=3, min_total=min_total, max_reps=200, clock=time.process_time)
    t_build = C.best_time(lambda: build(op, n, Value), **reps)
    root, x = build(op, n, Value)
    nodes = len(topo_order(root))
    # each run from zero grads: backward() accumulates into every node, as micrograd's
    # does, and 200 runs down a 10^4 chain grow the intermediate grads past a float
    t_back = C.best_time(root.backward, setup=root.zero_grad, **reps)
    grad = x.grad
    x.data = 0.25
    t_fwd = C.best_time(root.forward, **reps)
    C.result(dict(nodes=nodes, build=t_build, backward=t_back, forward=t_fwd, grad=grad))


def symbolic_child(op, n):
    """Engine: the closed form d root/d x at the deepest leaf, timed in two parts."""
    from engine import Value

    root, x = build(op, n, Value)
    x.label = "x"
    root.backward()
    clock = time.process_time
    out, t = {"grad": x.grad}, clock()
    try:
        _ = x.chain_expr  # the sweep alone, timed apart from the expansion
        out["chain_expr"] = clock() - t
        t = clock()
        g = x.grad_expr
        out["grad_expr"] = clock() - t
        out["value"] = float(g.subs(x.symbol, 0.5))
    except Exception as e:  # SymPy's limits are the finding: report, do not hide
        frames = traceback.extract_tb(e.__traceback__)
        sym = [f for f in frames if "sympy" in f.filename]
        where = sym[-1] if sym else frames[-1]
        mod = where.filename.split("site-packages/")[-1]
        out["error"] = f"{type(e).__name__} in {mod}:{where.name}"
        out["after"] = clock() - t
    C.result(out)


def micrograd_child(depths):
    """micrograd: build time per depth, what backward() does, and its deepest chain."""
    from micrograd.engine import Value

    out = {}
    for n in depths:
        clock = dict(min_reps=3, min_total=0.3, max_reps=20, clock=time.process_time)
        t_build = C.best_time(lambda n=n: build("+", n, Value), **clock)
        root, _ = build("+", n, Value)
        try:
            root.backward()
            out[n] = dict(build=t_build, backward="ok")
        except RecursionError as e:
            out[n] = dict(build=t_build, backward=f"RecursionError: {e}")

    def works(n):
        try:
            build("+", n, Value)[0].backward()
            return True
        except RecursionError:
            return False

    lo, hi = 1, 4096  # works(lo), not works(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if works(mid) else (lo, mid)
    C.result(dict(runs=out, max_depth=lo, limit=sys.getrecursionlimit()))


def exp10(n):
    e = math.log10(n)
    return f"10^{e:.0f}" if e == int(e) else f"{n:,}"


def main():
    p = C.parser(__doc__.split("\n")[0])
    p.add_argument("--max-depth", type=int, help="deepest numeric chain (default 10^6)")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = C.parse(p)
    if args.child:
        kind, *rest = args.child
        if kind == "micrograd":
            return micrograd_child([int(n) for n in rest])
        op, n = rest[0], int(rest[1])
        if kind == "symbolic":
            return symbolic_child(op, n)
        return numeric_child(op, n, gc_on=kind == "numeric", min_total=float(rest[2]))

    top = args.max_depth or (10**5 if args.quick else 10**6)
    depths = [10**e for e in range(3, 7) if 10**e <= top]
    sym_depths = [10**2, 10**3] if args.quick else [10**2, 3 * 10**2, 10**3, 10**4]
    sym_cap = 8 if args.quick else 60
    rows = []
    for op in OPS:
        bench = f"depth: {op} chain"
        res, off = {}, {}
        spend = 0.3 if args.quick else 1.0
        for n in depths:
            argv = ["--child", "numeric", op, n, spend]
            r = res[n] = C.child("bench_depth.py", argv, timeout=900)
            if not args.quick:
                argv[1] = "nogc"
                off[n] = C.child("bench_depth.py", argv, timeout=900)
            if "error" in r:
                print(f"{op} x {n}: {r['error']} {r['detail']}")
            else:
                print(f"{op} x {exp10(n)}: {r['nodes']:,} nodes, build {r['build']:.3g} s, "
                      f"backward {r['backward']:.3g} s, forward() {r['forward']:.3g} s",
                      flush=True)  # fmt: skip
        ok = [n for n in depths if "error" not in res[n]]
        label = " / ".join(exp10(n) for n in ok)
        for phase in ("build", "backward", "forward"):
            per = [1e6 * res[n][phase] / res[n]["nodes"] for n in ok]
            ctl = [1e6 * off[n][phase] / off[n]["nodes"] for n in ok if "nodes" in off.get(n, {})]
            growth = per[-1] / per[0] if per else float("nan")
            name = "forward() re-evaluation" if phase == "forward" else phase
            text = " / ".join(f"{t:.2f}" for t in per)
            text += f" (gc off: {' / '.join(f'{t:.2f}' for t in ctl)})" if ctl else ""
            rows.append(C.row(bench, "engine", f"{name}, CPU us/node at {label}", text,
                              flag="" if growth < 3 else "NOT LINEAR"))  # fmt: skip
            rows.append(C.row(bench, "engine", f"{name} at {exp10(ok[-1])}, CPU",
                              res[ok[-1]][phase], "s"))  # fmt: skip
        for n in ok if op == "+" else ():  # side by side with micrograd's rows below
            if n <= 10**4:
                rows.append(C.row(bench, "engine", f"build at {exp10(n)}", res[n]["build"], "s"))
                rows.append(C.row(bench, "engine", f"backward at {exp10(n)}",
                                  f"ok, {res[n]['backward']:.2g} s"))  # fmt: skip
        for n in depths:
            if "error" in res[n]:
                text = f"{res[n]['error']}: {res[n]['detail']}"
                rows.append(C.row(bench, "engine", f"numeric at {exp10(n)}", text, flag="FAILED"))
        failed = None
        for n in sym_depths:
            if failed:
                rows.append(C.row(bench, "engine", f"grad_expr at leaf, {exp10(n)} deep",
                                  f"not tried ({failed})"))  # fmt: skip
                continue
            r = C.child("bench_depth.py", ["--child", "symbolic", op, n], timeout=sym_cap)
            print(f"{op} x {exp10(n)} grad_expr: {r}", flush=True)
            measure = f"grad_expr at leaf, {exp10(n)} deep"
            if r.get("error") == "TIMEOUT":
                failed = f"{exp10(n)} took > {sym_cap} s"
                rows.append(C.row(bench, "engine", measure, f"> {sym_cap} s (capped)",
                                  flag="CAPPED"))  # fmt: skip
            elif "error" in r:
                failed = f"{exp10(n)} failed"
                text = f"{r['error']} after {r.get('after', 0):.2g} s"
                rows.append(C.row(bench, "engine", measure, text, flag="SYMPY FAILS"))
            else:
                agree = abs(r["value"] - r["grad"]) <= 1e-9 * max(abs(r["grad"]), 1e-300)
                total = r["chain_expr"] + r["grad_expr"]
                text = (f"{total:.3g} s = sweep {r['chain_expr']:.2g} + expansion "
                        f"{r['grad_expr']:.2g} ({1e6 * total / n:.0f} us/link)")  # fmt: skip
                rows.append(C.row(bench, "engine", measure, text,
                                  flag="" if agree else "MISMATCH"))  # fmt: skip
    mg_depths = [n for n in depths if n <= 10**4]
    r = C.child("bench_depth.py", ["--child", "micrograd", *mg_depths], timeout=600)
    bench = "depth: + chain"
    if "error" in r:
        rows.append(C.row(bench, "micrograd", "run", f"{r['error']}: {r['detail']}", flag="FAILED"))
    else:
        for n, m in r["runs"].items():
            n = int(n)
            rows.append(C.row(bench, "micrograd", f"build at {exp10(n)}", m["build"], "s"))
            bad = "" if m["backward"] == "ok" else m["backward"].split(":")[0]
            rows.append(C.row(bench, "micrograd", f"backward at {exp10(n)}", m["backward"],
                              flag=bad))  # fmt: skip
        rows.append(C.row(bench, "micrograd", "deepest chain backward() takes",
                          r["max_depth"], note=f"recursion limit {r['limit']}"))  # fmt: skip
    rows.append(C.row("depth: tanh chain", "micrograd", "any", "n/a: micrograd 0.1.0 has no tanh"))
    C.emit(rows, args.json)
    return 1 if any(r["flag"] in C.LOUD for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
