"""Descent panel latency: from a control change to every output redrawn, for a
two-variable function at 1,000 steps (the issue's target: under 200 ms).

A control change runs, synchronously in its observer, the whole update: the
1,000 steps (each ``vary`` + ``backward()``, and the compiled closed-form Hessian
for the second-order prediction), the contour plot with the path and the
predictions plot to PNG, the table and the summary. So the wall-clock time of
``panel.lr.value = r`` (or of a method button) is the latency.

The function is Rosenbrock's, (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1), rate
around 1e-3; each method is timed on its own, and the parts (the steps, the
picture) separately.

    python tests/benchmarks/bench_descent.py [--quick]
"""

import json
import os
import statistics
import time

import _common as C

TARGET_MS = 200.0
RATES = (1.1e-3, 1.2e-3, 1.0e-3, 0.9e-3, 1.3e-3, 1.05e-3, 0.95e-3, 1.15e-3)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def timed(fn, clock=time.perf_counter):
    t = clock()
    fn()
    return 1e3 * (clock() - t)


def main():
    from widgets import descent
    from widgets._descent_plot import draw

    p = C.parser(__doc__.split("\n")[0])
    args = C.parse(p)
    rates = RATES[:4] if args.quick else RATES
    panel = descent(rosenbrock, start={"x": -1.2, "y": 1.0}, lr=1e-3, steps=1000)
    rows, out = [], {}
    bench = "descent panel redraw: Rosenbrock, 2 variables, 1,000 steps"
    for method in ("gradient", "momentum", "line search", "newton"):
        # a rate change redraws gradient and momentum; line search and Newton choose
        # their own step, so for them the change timed is the switch to the method
        times, cpu = [], []
        if method in ("gradient", "momentum"):
            what = "rate change"
            panel.method.value = method
            for r in rates:
                times.append(timed(lambda r=r: setattr(panel.lr, "value", r)))
                # this process's own CPU time: what a change costs when the cores are free
                cpu.append(timed(lambda r=r: setattr(panel.lr, "value", r * 1.01),
                                 time.process_time))  # fmt: skip
        else:  # they choose their own step: the change timed is the switch to them
            what = "switch from gradient"
            panel.method.value = method  # the first use builds the line search
            for r in rates:
                for clock, into in ((time.perf_counter, times), (time.process_time, cpu)):
                    panel.method.value = "gradient"
                    panel.lr.value = r
                    into.append(timed(lambda m=method: setattr(panel.method, "value", m), clock))
        med, cmed = statistics.median(times), statistics.median(cpu)
        steps = len(panel.trajectory) - 1
        out[method] = dict(median_ms=med, cpu_median_ms=cmed, max_ms=max(times), steps=steps)
        flag = "NOT MET" if med > TARGET_MS else ""
        rows.append(C.row(bench, "engine", f"{method}: {what}, median ({steps} steps)",
                          med, "ms", flag=flag, note=f"target < {TARGET_MS:g} ms"))  # fmt: skip
        rows.append(C.row(bench, "engine", f"{method}: the same, CPU time", cmed, "ms"))
        print(f"{method} ({what}): median {med:.0f} ms (CPU {cmed:.0f} ms), "
              f"max {max(times):.0f} ms, {steps} steps", flush=True)  # fmt: skip
    panel.method.value = "gradient"
    parts = {
        "1,000 steps": statistics.median(
            timed(lambda: panel.run(1e-3, 1000, False, "gradient")) for _ in rates
        ),
        "picture (contours + predictions, PNG)": statistics.median(
            timed(lambda: draw(panel, False)) for _ in rates
        ),
    }
    for part, ms in parts.items():
        rows.append(C.row(bench, "engine", f"part: {part}", ms, "ms"))
    out["parts_ms"] = parts
    out["load_average"] = os.getloadavg()
    C.emit(rows, args.json)
    print("RESULT: " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
