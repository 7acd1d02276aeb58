"""The agreement check of a network with a function beyond the lecture's.

``check`` of the lecture's ``MLP(3, [4, 4, 1])`` (tanh neurons) on three labelled
inputs, its output passed through one more function: ``tanh`` (the lecture's) and
``sin``, ``softplus``, ``atan`` (beyond it). Every function is one rule of the table,
so the closed forms are evaluated by the same fast tape for each: the first check
(which compiles the closed forms and SymPy's oracle) and a repeat check (the tapes
reused) should take about as long whatever the function. Each run in a fresh
process, CPU seconds, SymPy's cache empty.

    python tests/benchmarks/bench_functions.py [--quick]
"""

import _common as C

FUNCTIONS = ("tanh", "sin", "softplus", "atan")


def one(function):
    """In a child process: the first and a repeat check, CPU seconds."""
    import random
    import time

    from engine import FUNCTIONS, Value
    from engine.nn import MLP
    from explorer import check

    random.seed(0)
    model = MLP(3, [4, 4, 1], act="tanh")
    xs = [Value(v, label=f"x{i}") for i, v in enumerate([2.0, 3.0, -1.0])]
    out = FUNCTIONS[function](model(xs))
    out.backward()
    t = time.process_time()
    report = check(out)
    first = time.process_time() - t
    t = time.process_time()
    check(out)
    repeat = time.process_time() - t
    return {"first": first, "repeat": repeat, "ok": report.ok, "rows": len(report.rows)}


def main():
    p = C.parser(__doc__.split("\n")[0])
    p.add_argument("--child", help=None)
    args = C.parse(p)
    if args.child:
        C.result(one(args.child))
        return
    rows = []
    bench = "check of MLP(3, [4, 4, 1]) then one function"
    for name in FUNCTIONS[:2] if args.quick else FUNCTIONS:
        r = C.child("bench_functions.py", ["--child", name], timeout=300)
        if "error" in r:
            rows.append(C.row(bench, name, "first check", None, flag="ERROR", note=r["detail"]))
            continue
        flag = "" if r["ok"] else "FAILED"
        rows.append(C.row(bench, name, "first check (CPU)", r["first"], "s", flag=flag,
                          note=f"{r['rows']} gradients"))  # fmt: skip
        rows.append(C.row(bench, name, "repeat check (CPU)", r["repeat"], "s"))
    C.emit(rows, args.json)


if __name__ == "__main__":
    main()
