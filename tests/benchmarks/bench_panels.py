"""Nudge panel latency: from a slider change to every output of the panel updated.

A slider move runs, synchronously in the slider's observer:

    x.data = value; root.forward(); root.zero_grad(); root.backward();
    explorer.check(root); explorer.draw(root, verdicts=...) and `dot` to SVG;
    then the Labels, verdicts, graph and output value are set

so the wall-clock time of ``slider.value = v`` is the latency (the messages to the
browser are queued, not awaited). Measured on two graphs:

- the lecture's neuron (chapter 6): 10 nodes, 5 variables; target < 100 ms;
- ``MLP(3, [4, 3, 1], act="tanh")`` on three labelled inputs: 100 nodes, 38
  variables (so 76 forward passes for the finite differences).

Reported: the panel's construction (typesetting every closed form once), the
first move (``check`` compiles its closed forms then), the median and 90th
percentile of the following moves, and the median of each part measured on its
own: forward + backward, check, draw (building the Digraph), dot (the SVG).

    python tests/benchmarks/bench_panels.py [--quick] [--steps N (ignored)]
"""

import json
import random
import statistics
import time

import _common as C

TARGET_MS = 100.0


def neuron():
    from engine.data import lecture_neuron

    return lecture_neuron()["o"]


def hundred_nodes():
    from engine import Value
    from engine.nn import MLP

    random.seed(1337)
    model = MLP(3, [4, 3, 1], act="tanh")
    xs = [Value(v, label=f"x_{i}") for i, v in enumerate((2.0, 3.0, -1.0))]
    out = model(xs)
    out.label = "y"
    return out


def median_ms(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t))
    return statistics.median(times)


def measure(root, moves):
    from engine import topo_order
    from explorer import check, draw
    from widgets import Nudge

    nodes = len(topo_order(root))
    t = time.perf_counter()
    panel = Nudge(root)
    build = time.perf_counter() - t
    name = panel.names[0]
    slider = panel.sliders[name]
    start, step = slider.value, 20 * slider.step
    values = [start + (step if k % 2 == 0 else -step) * (1 + k % 3) for k in range(moves + 1)]
    times, unchanged = [], 0
    for v in values:
        before = panel.output.value, panel.graph.value
        t = time.perf_counter()
        slider.value = v
        times.append(1e3 * (time.perf_counter() - t))
        unchanged += (panel.output.value, panel.graph.value) == before
    first, rest = times[0], sorted(times[1:])

    def sweep():
        root.forward()
        root.zero_grad()
        root.backward()

    report = check(root)
    dot = draw(root, verdicts=report)
    reps = max(5, moves // 2)
    parts = {
        "forward + backward": median_ms(sweep, reps),
        "check": median_ms(lambda: check(root), reps),
        "draw (Digraph)": median_ms(lambda: draw(root, verdicts=report), reps),
        "dot (SVG)": median_ms(lambda: dot.pipe(format="svg"), reps),
    }
    return dict(
        nodes=nodes, variables=len(panel.names), build_s=build, first_ms=first,
        median_ms=statistics.median(rest), p90_ms=rest[int(0.9 * (len(rest) - 1))],
        parts_ms=parts, unchanged=unchanged, verdicts=sorted({r.verdict for r in report.rows}),
    )  # fmt: skip


def main():
    p = C.parser(__doc__.split("\n")[0])
    args = C.parse(p)  # --steps is the training benchmarks'; it means nothing here
    moves = 10 if args.quick else 40
    rows, out = [], {}
    for key, make in (("neuron", neuron), ("100 nodes", hundred_nodes)):
        r = out[key] = measure(make(), moves)
        bench = f"nudge latency: {key} ({r['nodes']} nodes, {r['variables']} variables)"
        print(f"{bench}: median {r['median_ms']:.1f} ms, parts {r['parts_ms']}", flush=True)
        flag = "FAILED" if r["unchanged"] else ""
        note = f"{r['unchanged']} moves left the output unchanged" if r["unchanged"] else ""
        rows.append(C.row(bench, "engine", "slider move, median", r["median_ms"], "ms",
                          flag=flag, note=note))  # fmt: skip
        if key == "neuron" and r["median_ms"] > TARGET_MS:
            rows[-1]["flag"] = rows[-1]["flag"] or "NOT MET"
            rows[-1]["note"] = f"target < {TARGET_MS:g} ms"
        rows.append(C.row(bench, "engine", "slider move, 90th percentile", r["p90_ms"], "ms"))
        rows.append(C.row(bench, "engine", "first move (check compiles)", r["first_ms"], "ms"))
        rows.append(C.row(bench, "engine", "panel construction", r["build_s"], "s"))
        for part, ms in r["parts_ms"].items():
            rows.append(C.row(bench, "engine", f"part: {part}", ms, "ms"))
    C.emit(rows, args.json)
    print("RESULT: " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
