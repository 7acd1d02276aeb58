"""Training micrograd's moons demo through the compiled closed forms (engine.compile).

One process, side by side: the same data, the same initial weights, the same loss
(the SVM max-margin loss plus 1e-4 L2, lr = 1.0 - 0.9 k/100, full batch):

- compiled: the one-sample loss compiled once into a NumPy function of the whole
  batch; the step is mean(values) + 1e-4 |theta|^2 and mean(grads) + 2e-4 theta;
- engine:   the engine's own Values and backward(), as the demo is written;
- micrograd: micrograd==0.1.0, collector on, as users run it;
- pytorch:  float64 on the CPU, one thread (the tensors are tiny: more threads only
  contend on a shared machine).

Times are CPU seconds (time.process_time). The engine and micrograd are slow, so
they may run fewer steps than the others (--quick, --engine-steps,
--micrograd-steps); their seconds per step are then extrapolated to the full run,
and the table says so. The losses must agree with
the engine's to 1e-9 relative on every step both ran.

Flags: --steps N (default 100), --quick. Prints a table and, last,
``RESULT: {json}``; with BENCH_JSON (or --json) set it also appends rows there.
"""

import argparse
import gc
import json
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import _common  # noqa: E402

import engine.data  # noqa: E402
from engine import Value  # noqa: E402
from engine.compile import compile_value_and_grad  # noqa: E402
from engine.nn import MLP  # noqa: E402

ALPHA = 1e-4
# CPU seconds of this process: steadier than wall time on a shared machine, and
# every system here computes on one thread (PyTorch is told so).
CLOCK = time.process_time


def lr_at(k):
    return 1.0 - 0.9 * k / 100


def demo_setup(mlp=MLP):
    """micrograd's demo: seeds, moons data (y in {-1, 1}) and MLP(2, [16, 16, 1])."""
    np.random.seed(1337)
    random.seed(1337)
    X, y = engine.data.make_moons(n_samples=100, noise=0.1)
    return X, y * 2 - 1, mlp(2, [16, 16, 1])


def train_values(value_cls, mlp, steps):
    """The demo's loop over Values (the engine's or micrograd's): losses, seconds."""
    X, y, model = demo_setup(mlp)
    losses = []
    gc.collect()
    t = CLOCK()
    for k in range(steps):
        inputs = [[value_cls(float(a)), value_cls(float(b))] for a, b in X]
        scores = list(map(model, inputs))
        data = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
        total = sum(data) * (1.0 / len(data)) + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= lr_at(k) * p.grad
        losses.append(total.data)
    return losses, CLOCK() - t


def compile_demo():
    """The demo's one-sample loss, compiled: (function, data columns, initial theta)."""
    X, y, model = demo_setup()
    x0, x1, yv = Value(0.0, label="x_0"), Value(0.0, label="x_1"), Value(0.0, label="y")
    loss = (1 + -yv * model([x0, x1])).relu()
    f = compile_value_and_grad(loss, [x0, x1, yv], model.parameters())
    f(np.zeros((1, 3)), np.zeros(len(f.params)))  # generate and load the source
    return f, np.column_stack([X, y]), np.array([p.data for p in model.parameters()])


def train_compiled(f, D, theta, steps):
    losses = []
    t = CLOCK()
    for k in range(steps):
        values, grads = f(D, theta)
        losses.append(float(values.mean() + ALPHA * theta @ theta))
        theta = theta - lr_at(k) * (grads.mean(axis=0) + 2 * ALPHA * theta)
    return losses, CLOCK() - t


def train_torch(steps):
    import torch

    torch.set_num_threads(1)
    X, y, model = demo_setup()
    dt = torch.float64
    ps = []
    for layer in model.layers:
        ps.append(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=dt))
        ps.append(torch.tensor([n.b.data for n in layer.neurons], dtype=dt))
    for p in ps:
        p.requires_grad_(True)
    Xt, yt = torch.tensor(X, dtype=dt), torch.tensor(y, dtype=dt)
    W1, b1, W2, b2, W3, b3 = ps
    losses = []
    t = CLOCK()
    for k in range(steps):
        h = torch.relu(Xt @ W1.T + b1)
        h = torch.relu(h @ W2.T + b2)
        score = (h @ W3.T + b3)[:, 0]
        total = torch.relu(1 - yt * score).mean() + ALPHA * sum((p * p).sum() for p in ps)
        for p in ps:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in ps:
                p -= lr_at(k) * p.grad
        losses.append(total.item())
    return losses, CLOCK() - t


def max_rel(a, b):
    n = min(len(a), len(b))
    a, b = np.array(a[:n]), np.array(b[:n])
    return float(np.max(np.abs(a - b) / np.abs(b))) if n else float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    p.add_argument("--quick", action="store_true", help="engine 5 steps, micrograd 2")
    p.add_argument("--engine-steps", type=int, help="engine steps (default: all; quick 5)")
    p.add_argument("--micrograd-steps", type=int, help="micrograd steps (default 10; quick 2)")
    p.add_argument("--repeats", type=int, default=3, help="best of this many compiled/torch runs")
    p.add_argument("--json", default=os.environ.get("BENCH_JSON"), help="append rows here")
    args, unknown = p.parse_known_args()
    if unknown:
        print(f"(ignoring flags not for this benchmark: {' '.join(unknown)})")
    steps = args.steps
    eng_steps = min(steps, args.engine_steps or (5 if args.quick else steps))
    mg_steps = min(steps, args.micrograd_steps or (2 if args.quick else 10))
    print(f"moons demo, {steps} steps; engine runs {eng_steps}, micrograd {mg_steps}")

    t = CLOCK()
    f, D, theta0 = compile_demo()
    compile_s = CLOCK() - t
    comp_losses, first_run = train_compiled(f, D, theta0, steps)
    comp_end_to_end = compile_s + first_run
    comp_step = min(
        [first_run] + [train_compiled(f, D, theta0, steps)[1] for _ in range(1, args.repeats)]
    )
    comp_step /= steps
    print(f"compiled: compile {compile_s:.3f} s, {comp_step * 1e3:.3f} ms/step ({f})")

    torch_runs = [train_torch(steps) for _ in range(args.repeats)]
    torch_losses = torch_runs[0][0]
    torch_step = min(s for _, s in torch_runs) / steps
    print(f"pytorch:  {torch_step * 1e3:.3f} ms/step")

    eng_losses, eng_s = train_values(Value, MLP, eng_steps)
    eng_step = eng_s / eng_steps
    print(f"engine:   {eng_step:.3f} s/step over {eng_steps} steps")

    import micrograd.engine
    import micrograd.nn

    gc.enable()  # as users run it
    mg_losses, mg_s = train_values(micrograd.engine.Value, micrograd.nn.MLP, mg_steps)
    mg_step = mg_s / mg_steps
    print(f"micrograd: {mg_step:.3f} s/step over {mg_steps} steps (collector on)")

    res = {
        "benchmark": "compile",
        "steps": steps,
        "engine_steps": eng_steps,
        "micrograd_steps": mg_steps,
        "compile_s": compile_s,
        "compiled_s_per_step": comp_step,
        "compiled_end_to_end_s": comp_end_to_end,
        "engine_s_per_step": eng_step,
        "micrograd_s_per_step": mg_step,
        "micrograd_end_to_end_s": mg_step * steps,
        "torch_s_per_step": torch_step,
        "speedup_vs_micrograd_end_to_end": mg_step * steps / comp_end_to_end,
        "speedup_vs_engine_end_to_end": eng_step * steps / comp_end_to_end,
        "compiled_step_over_torch_step": comp_step / torch_step,
        "loss_rel_diff_compiled_vs_engine": max_rel(comp_losses, eng_losses),
        "loss_rel_diff_micrograd_vs_engine": max_rel(mg_losses, eng_losses),
        "loss_rel_diff_compiled_vs_torch": max_rel(comp_losses, torch_losses),
        "first_loss": comp_losses[0],
        "last_loss": comp_losses[-1],
        "cse_temporaries": f.stats["cse_temporaries"],
        "forward_lines": f.stats["forward_lines"],
    }
    res["losses_agree"] = (
        max(
            res["loss_rel_diff_compiled_vs_engine"],
            res["loss_rel_diff_micrograd_vs_engine"],
            res["loss_rel_diff_compiled_vs_torch"],
        )
        <= 1e-9
    )
    res["met_50x_micrograd"] = res["speedup_vs_micrograd_end_to_end"] >= 50
    res["met_10x_torch"] = res["compiled_step_over_torch_step"] <= 10

    report(res)
    if args.json:
        _common.append_rows(args.json, rows(res))
    print("RESULT: " + json.dumps(res), flush=True)
    return 0 if res["losses_agree"] else 1


def report(r):
    n = r["steps"]
    ext = lambda k: "" if k == n else f"  (extrapolated from {k} steps)"
    print()
    line = lambda name, step, total, note="": print(
        f"{name:<10} {step:>10.2e} {total:>20.3f} s{note}"
    )
    print(f"{'system':<10} {'s/step':>10} {'end to end, ' + str(n) + ' steps':>24}")
    line("compiled", r["compiled_s_per_step"], r["compiled_end_to_end_s"],
         f"  (compile {r['compile_s']:.3f} s included)")  # fmt: skip
    line("pytorch", r["torch_s_per_step"], r["torch_s_per_step"] * n)
    line("engine", r["engine_s_per_step"], r["engine_s_per_step"] * n, ext(r["engine_steps"]))
    line("micrograd", r["micrograd_s_per_step"], r["micrograd_end_to_end_s"],
         ext(r["micrograd_steps"]))  # fmt: skip
    print()
    print(f"compiled vs micrograd, end to end: {r['speedup_vs_micrograd_end_to_end']:.0f}x faster"
          f" (need >= 50x: {'met' if r['met_50x_micrograd'] else 'NOT MET'})")  # fmt: skip
    print(f"compiled vs engine, end to end:    {r['speedup_vs_engine_end_to_end']:.0f}x faster")
    print(f"compiled s/step / PyTorch s/step:  {r['compiled_step_over_torch_step']:.2f}"
          f" (need <= 10: {'met' if r['met_10x_torch'] else 'NOT MET'})")  # fmt: skip
    print(f"losses, max relative difference: compiled vs engine "
          f"{r['loss_rel_diff_compiled_vs_engine']:.1e} ({r['engine_steps']} steps), "
          f"micrograd vs engine {r['loss_rel_diff_micrograd_vs_engine']:.1e} "
          f"({r['micrograd_steps']} steps), compiled vs PyTorch "
          f"{r['loss_rel_diff_compiled_vs_torch']:.1e} ({n} steps): "
          f"{'agree' if r['losses_agree'] else 'MISMATCH'} (tolerance 1e-9)")  # fmt: skip
    print(f"loss: first {r['first_loss']:.6f}, last {r['last_loss']:.6f}")


def rows(r):
    """Rows for run_all's table (the protocol in tests/benchmarks/_common.py)."""
    bench = f"compiled closed forms (moons, {r['steps']} steps)"
    ext = lambda k: "" if k == r["steps"] else f"extrapolated from {k} steps"
    row = lambda system, measure, value, unit="", flag="", note="": dict(
        benchmark=bench, system=system, measure=measure, value=value, unit=unit, flag=flag,
        note=note,
    )  # fmt: skip
    return [
        row("engine", "s/step", r["engine_s_per_step"], "s", note=ext(r["engine_steps"])),
        row("compiled", "s/step", r["compiled_s_per_step"], "s"),
        row("pytorch", "s/step", r["torch_s_per_step"], "s", note="float64, 1 thread"),
        row(
            "micrograd", "s/step", r["micrograd_s_per_step"], "s", note=ext(r["micrograd_steps"])
        ),  # fmt: skip
        row(
            "engine",
            "end to end",
            r["engine_s_per_step"] * r["steps"],
            "s",
            note=ext(r["engine_steps"]),
        ),  # fmt: skip
        row("compiled", "end to end", r["compiled_end_to_end_s"], "s", note="compile included"),
        row(
            "micrograd",
            "end to end",
            r["micrograd_end_to_end_s"],
            "s",
            note=ext(r["micrograd_steps"]),
        ),  # fmt: skip
        row("compiled", "compile", r["compile_s"], "s"),
        row(
            "compiled",
            "x faster than micrograd, end to end",
            r["speedup_vs_micrograd_end_to_end"],
            flag="" if r["met_50x_micrograd"] else "NOT MET",
            note="need >= 50",
        ),  # fmt: skip
        row(
            "compiled",
            "s/step over PyTorch's",
            r["compiled_step_over_torch_step"],
            flag="" if r["met_10x_torch"] else "NOT MET",
            note="need <= 10",
        ),  # fmt: skip
        row(
            "compiled",
            "loss rel. diff vs engine",
            r["loss_rel_diff_compiled_vs_engine"],
            flag="" if r["losses_agree"] else "MISMATCH",
            note="tolerance 1e-9",
        ),  # fmt: skip
    ]


if __name__ == "__main__":
    sys.exit(main())
