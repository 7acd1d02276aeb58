"""Training micrograd's moons demo: this engine vs micrograd 0.1.0 vs PyTorch (CPU, float64).

The demo (micrograd's demo.ipynb): ``np.random.seed(1337); random.seed(1337)``, 100
two-moons points with noise 0.1, targets y in {-1, +1}, ``MLP(2, [16, 16, 1])``
(ReLU, linear output), and for k = 0..99 one full-batch step of

    loss = 1/n sum_i relu(1 - y_i s_i) + 1e-4 sum_p p^2,    p -= (1 - 0.9 k/100) dloss/dp

Each system trains in its own child process, so its memory is its own:

- engine: ``engine.Value`` and ``engine.nn.MLP``, the demo's code unchanged;
- engine-fused: the same with ``MLP(..., fused=True)`` (each neuron's sum one
  ``affine`` node instead of micrograd's 2n nodes), where the engine offers it;
- micrograd: ``micrograd==0.1.0``, the same code, its cyclic garbage collector left
  on (as users run it); the child never imports the engine (nor SymPy);
- pytorch: the same network as float64 tensors on the CPU (one thread), initial
  weights copied from the engine's MLP built after the same seeds, the same loss
  written batched.

The lecture's chapter 14 (``MLP(3, [4, 4, 1])``, tanh, 20 steps) is trained 50 times
in a process each by the engine, by micrograd with the lecture's tanh, and by
``python_floor.py``, a minimal engine that shows what per-node Python allows at best.

Measured per system: seconds per step (wall clock and CPU time of the whole step:
graph build, zero_grad, backward, update), the loss at every step, the accuracy,
the time spent in the cyclic garbage collector (``gc.callbacks``), and memory by
``getrusage``'s ``ru_maxrss`` (the child's peak resident set, imports included) and
its growth during training (peak minus the resident set just before the first
step). Every loss must equal the engine's to 1e-9 relative.

    python tests/benchmarks/bench_training.py [--steps N] [--quick] [--profile]
"""

import argparse
import functools
import gc
import inspect
import json
import os
import random
import sys
import tempfile
import time

import _common as C

SYSTEMS = ("engine", "engine-fused", "pytorch", "micrograd")
RTOL = 1e-12
SPEEDUP_TARGET = 10  # issue 2: at least 10x micrograd's speed, no more peak memory


def demo_data():
    """The demo's data, and the engine's initial weights after the demo's seeds."""
    import numpy as np

    from engine.data import make_moons
    from engine.nn import MLP

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    model = MLP(2, [16, 16, 1])
    layers = [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in model.layers
    ]
    return {"X": X.tolist(), "y": y.tolist(), "layers": layers}


class GCTimer:
    """Seconds spent inside the cyclic garbage collector, from gc.callbacks."""

    def __init__(self):
        self.seconds, self.collections, self._t = 0.0, 0, None
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if phase == "start":
            self._t = time.perf_counter()
        elif self._t is not None:
            self.seconds += time.perf_counter() - self._t
            self.collections += 1


def train_scalar(system, data):
    """micrograd's demo loop, verbatim, with the given Value and MLP."""
    import numpy as np

    if system.startswith("engine"):
        from engine import Value
        from engine.nn import MLP

        if system == "engine-fused":  # one affine node per neuron's sum
            MLP = functools.partial(MLP, fused=True)
    else:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    X, y = np.array(data["X"]), np.array(data["y"])
    y = y * 2 - 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    def step(k):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return total_loss, acc

    return step


def train_torch(data):
    """The same network and loss as float64 tensors; one step is the whole batch."""
    import torch

    # The tensors are tiny: a second thread only waits on a shared machine (on this
    # one, 2 threads took 10x their CPU time in wall time).
    torch.set_num_threads(1)
    X = torch.tensor(data["X"], dtype=torch.float64)
    y = torch.tensor(data["y"], dtype=torch.float64) * 2 - 1
    params = []
    for W, b in data["layers"]:
        params += [torch.tensor(W, dtype=torch.float64, requires_grad=True),
                   torch.tensor(b, dtype=torch.float64, requires_grad=True)]  # fmt: skip
    last = len(params) // 2 - 1

    def step(k):
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            h = torch.relu(h) if i // 2 < last else h
        scores = h[:, 0]
        losses = torch.relu(1 - y * scores)
        total = losses.sum() * (1.0 / len(losses)) + 1e-4 * sum((p * p).sum() for p in params)
        acc = ((y > 0) == (scores > 0)).double().mean().item()
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= (1.0 - 0.9 * k / 100) * p.grad
        return total, acc

    return step


# -- the lecture's chapter 14: MLP(3, [4, 4, 1]) with tanh, four samples, 20 steps ----
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]
CH14 = "lecture ch. 14: MLP(3,[4,4,1]) tanh, 4 samples, 20 steps"
# python-floor: a minimal engine (python_floor.py), the fastest per node Python allows
CH14_SYSTEMS = ("engine", "micrograd", "python-floor")


def micrograd_lecture_mlp():
    """The lecture's network on micrograd's Value, with the lecture's tanh added to
    Value as the lecture writes it (micrograd 0.1.0 has no tanh)."""
    import math

    from micrograd.engine import Value

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    Value.tanh = tanh
    return lecture_mlp(Value)


def lecture_mlp(Value):
    """The lecture's chapter 11 Neuron, Layer and MLP over the given Value class (tanh
    in every neuron, biases drawn after the weights); returns a maker of MLP(3, [4, 4, 1])."""

    class Neuron:
        def __init__(self, nin):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(random.uniform(-1, 1))

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.tanh()

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, nin, nout):
            self.neurons = [Neuron(nin) for _ in range(nout)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP:
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return lambda: MLP(3, [4, 4, 1])


def train_ch14(make_mlp):
    """The lecture's chapter 14 loop, verbatim: squared error, zero the grads,
    backward, p.data += -0.1 * p.grad, 20 times. Returns the losses."""
    random.seed(1337)
    n = make_mlp()
    losses = []
    for _ in range(20):
        ypred = [n(x) for x in LECTURE_XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(LECTURE_YS, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses


def run_ch14_child(system, reps):
    """The chapter 14 training reps times over (it takes milliseconds), timed each."""
    import statistics

    if system == "engine":
        from engine.nn import MLP

        make = functools.partial(MLP, 3, [4, 4, 1], act="tanh")
    elif system == "python-floor":
        import python_floor

        make = lecture_mlp(python_floor.Value)
    else:
        make = micrograd_lecture_mlp()
    gct = GCTimer()
    times = []
    for _ in range(reps):
        t = time.process_time()
        losses = train_ch14(make)
        times.append(time.process_time() - t)
    C.result(dict(system=system, losses=losses, best=min(times), median=statistics.median(times),
                  cpu=sum(times), gc_seconds=gct.seconds, peak_rss=C.peak_rss_mb()))  # fmt: skip


def compare_ch14(res, reps):
    rows, eng, mg = [], res.get("engine", {}), res.get("micrograd", {})
    row = functools.partial(C.row, anchors=("micrograd",))
    for system, r in res.items():
        if "error" in r:
            rows.append(C.row(CH14, system, "run", f"{r['error']}: {r['detail']}", flag="FAILED"))
            continue
        rows.append(row(CH14, system, f"CPU time, all {reps} trainings / {reps}", r["cpu"] / reps,
                        "s", note="the collector's pauses included, as in the demo"))  # fmt: skip
        rows.append(row(CH14, system, f"CPU time, best of {reps}", r["best"], "s"))
        rows.append(row(CH14, system, f"CPU time, median of {reps}", r["median"], "s"))
        rows.append(row(CH14, system, "peak RSS (ru_maxrss)", r["peak_rss"], "MB"))
        share = f"{100 * r['gc_seconds'] / r['cpu']:.0f}%"
        rows.append(C.row(CH14, system, "time in cyclic GC (gc on)", share))
        if system != "engine" and "losses" in eng:
            worst = max(abs(a - b) / abs(b) for a, b in zip(r["losses"], eng["losses"]))
            text = f"max rel diff {worst:.1e} over {len(r['losses'])} steps"
            rows.append(C.row(CH14, system, "losses vs engine's", text,
                              flag="" if worst <= RTOL else "MISMATCH"))  # fmt: skip
    if "median" in eng and "median" in mg:
        # CPU time of all the trainings, as the demo's verdict: micrograd's graphs hold
        # reference cycles, and the full collections they cost fall on a few of the
        # trainings, which a median or a best would leave out
        speedup = mg["cpu"] / eng["cpu"]
        flag = "" if speedup >= SPEEDUP_TARGET else "NOT MET"
        median, best = mg["median"] / eng["median"], mg["best"] / eng["best"]
        text = f"{speedup:.1f}x (CPU time of all {reps}; median {median:.1f}x, best {best:.1f}x)"
        rows.append(C.row(CH14, "engine", f"speedup vs micrograd (target >= {SPEEDUP_TARGET}x)",
                          text, flag=flag))  # fmt: skip
        more = eng["peak_rss"] - mg["peak_rss"]
        text = f"{eng['peak_rss']:.0f} vs {mg['peak_rss']:.0f} MB"
        rows.append(C.row(CH14, "engine", "peak RSS vs micrograd's (target <=)", text,
                          flag="" if more <= 0 else "NOT MET"))  # fmt: skip
    floor = res.get("python-floor", {})
    if "cpu" in floor and "cpu" in mg and "cpu" in eng:
        vs_mg, best, eng_x = (
            mg["cpu"] / floor["cpu"],
            mg["best"] / floor["best"],
            eng["cpu"] / floor["cpu"],
        )
        text = (f"{vs_mg:.1f}x micrograd (CPU time of all {reps}; best {best:.1f}x); "
                f"the engine takes {eng_x:.1f}x its time")  # fmt: skip
        note = "python_floor.py: no rules, no checks, math inline"
        measure = "speedup vs micrograd: per-node Python's best"
        rows.append(C.row(CH14, "python-floor", measure, text, note=note))
    return rows


def systems():
    """The systems to train; engine-fused only where engine.nn.MLP has ``fused``."""
    from engine.nn import MLP

    fused = "fused" in inspect.signature(MLP).parameters
    return [s for s in SYSTEMS if s != "engine-fused" or fused]


def run_child(system, data_path, steps):
    """Train one system and print its measurements as RESULT {json}."""
    with open(data_path) as f:
        data = json.load(f)
    step = train_torch(data) if system == "pytorch" else train_scalar(system, data)
    gct = GCTimer()
    rss0 = C.rss_now_mb()
    losses, accs, times = [], [], []
    t_all, cpu = time.perf_counter(), time.process_time()
    for k in range(steps):
        t = time.perf_counter()
        total, acc = step(k)
        times.append(time.perf_counter() - t)
        losses.append(float(total.data) if system != "pytorch" else total.item())
        accs.append(float(acc))
    wall, cpu = time.perf_counter() - t_all, time.process_time() - cpu
    extra = {}
    if system == "pytorch":
        import torch

        extra["threads"] = torch.get_num_threads()
    C.result(dict(system=system, losses=losses, accs=accs, times=times, wall=wall, cpu=cpu,
                  gc_seconds=gct.seconds, gc_collections=gct.collections, gc_on=gc.isenabled(),
                  rss_before=rss0, peak_rss=C.peak_rss_mb(), **extra))  # fmt: skip


def profile(steps):
    """Where one demo step's time goes: CPU time by phase (the user's loss code, with
    the graph build; zero_grad; backward; the update), the cyclic collector's share
    of each, then cProfile's top functions."""
    import cProfile
    import pstats

    import numpy as np

    from engine import Value
    from engine.nn import MLP

    data = demo_data()
    X, y = np.array(data["X"]), np.array(data["y"]) * 2 - 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    phase, spent, in_gc, gc_start = ["build"], {}, {}, [0.0]

    def on_gc(stage, info):
        if stage == "start":
            gc_start[0] = time.process_time()
        else:
            in_gc[phase[0]] = in_gc.get(phase[0], 0.0) + time.process_time() - gc_start[0]

    def timed(name, fn):
        phase[0], t = name, time.process_time()
        out = fn()
        spent[name] = spent.get(name, 0.0) + time.process_time() - t
        return out

    def loss():  # the demo's, as in train_scalar
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + 1e-4 * sum(p * p for p in model.parameters())

    def update(k):
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad

    gc.callbacks.append(on_gc)
    total_loss = None
    for k in range(steps):
        total_loss = timed("build the graph (the loss code)", loss)
        timed("zero_grad", model.zero_grad)
        timed("backward()", total_loss.backward)
        timed("update", functools.partial(update, k))
    gc.callbacks.remove(on_gc)
    whole = sum(spent.values())
    print(f"one demo step, CPU time averaged over {steps} steps: {1e3 * whole / steps:.0f} ms")
    for name, t in spent.items():
        g = in_gc.get(name, 0.0)
        print(f"  {name:34s} {1e3 * t / steps:6.1f} ms  {100 * t / whole:3.0f}%"
              f"   of which cyclic GC {1e3 * g / steps:5.1f} ms")  # fmt: skip
    prof = cProfile.Profile()
    prof.enable()
    for k in range(steps):
        total_loss = loss()
        model.zero_grad()
        total_loss.backward()
        update(k)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(12)


ANCHORS = ("micrograd", "pytorch")


def compare(res, steps):
    """The rows: speed, memory and agreement of every system, against the engine."""
    bench = f"training (moons, {steps} steps)"
    rows, eng = [], res.get("engine", {})
    row = functools.partial(C.row, anchors=ANCHORS)
    for system in res:
        r = res[system]
        if "error" in r:
            rows.append(C.row(bench, system, "run", f"{r['error']}: {r['detail']}", flag="FAILED"))
            continue
        n = r.get("threads")
        note = "" if n is None else f"{n} thread" + ("s" if n != 1 else "")
        rows.append(row(bench, system, "time per step", r["wall"] / steps, "s", note=note))
        rows.append(row(bench, system, "CPU time per step", r["cpu"] / steps, "s"))
        if steps >= 20:  # does a step get slower as training goes on?
            first, last = (sum(ts) / len(ts) for ts in (r["times"][:10], r["times"][-10:]))
            text = f"{first:.3g} / {last:.3g} s"
            rows.append(C.row(bench, system, "time per step, first 10 / last 10", text))
        rows.append(row(bench, system, "peak RSS (ru_maxrss)", r["peak_rss"], "MB"))
        grow = r["peak_rss"] - r["rss_before"]
        rows.append(row(bench, system, "RSS growth while training", grow, "MB"))
        if system != "pytorch":  # PyTorch's graph lives in C++: its collector is idle
            gc_share = f"{100 * r['gc_seconds'] / r['wall']:.0f}% ({r['gc_collections']} runs)"
            on = "on" if r["gc_on"] else "OFF"
            rows.append(C.row(bench, system, f"time in cyclic GC (gc {on})", gc_share))
        rows.append(C.row(bench, system, "final accuracy", f"{100 * r['accs'][-1]:.0f}%"))
        if system != "engine" and "losses" in eng:
            worst = max(abs(a - b) / abs(b) for a, b in zip(r["losses"], eng["losses"]))
            same = len(r["losses"]) == len(eng["losses"]) and worst <= RTOL
            text = f"max rel diff {worst:.1e} over {len(r['losses'])} steps"
            rows.append(C.row(bench, system, "losses vs engine's", text,
                              flag="" if same else "MISMATCH"))  # fmt: skip
    mg = res.get("micrograd", {})
    if "wall" in eng and "losses" in mg:
        # The verdict is on CPU time: on a shared machine it varies less than wall time.
        speedup, wall = mg["cpu"] / eng["cpu"], mg["wall"] / eng["wall"]
        text = f"{speedup:.1f}x (CPU time; wall time {wall:.1f}x)"
        flag = "" if speedup >= SPEEDUP_TARGET else "NOT MET"
        measure = f"speedup vs micrograd (target >= {SPEEDUP_TARGET}x)"
        rows.append(C.row(bench, "engine", measure, text, flag=flag))
        more = eng["peak_rss"] - mg["peak_rss"]
        grow = [r["peak_rss"] - r["rss_before"] for r in (eng, mg)]
        text = f"{eng['peak_rss']:.0f} vs {mg['peak_rss']:.0f} MB"
        text += f" (growth {grow[0]:.0f} vs {grow[1]:.0f})"
        rows.append(C.row(bench, "engine", "peak RSS vs micrograd's (target <=)", text,
                          flag="" if more <= 0 else "NOT MET"))  # fmt: skip
    fz = res.get("engine-fused", {})
    if "cpu" in fz and "losses" in mg:
        text = f"{mg['cpu'] / fz['cpu']:.1f}x (CPU time; wall time {mg['wall'] / fz['wall']:.1f}x)"
        rows.append(C.row(bench, "engine-fused", "speedup vs micrograd", text,
                          note="a different graph: one node per neuron sum"))  # fmt: skip
    pt = res.get("pytorch", {})
    if "wall" in eng and "losses" in pt:
        text = (
            f"{eng['cpu'] / pt['cpu']:.0f}x (CPU time; wall time {eng['wall'] / pt['wall']:.0f}x)"
        )
        rows.append(C.row(bench, "engine", "time per step / PyTorch's", text))
    return rows


def main():
    p = C.parser(__doc__.split("\n")[0])
    p.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("--ch14", choices=CH14_SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true", help="cProfile the engine, no table")
    args = C.parse(p)
    steps = args.steps or (3 if args.quick else 100)
    reps = args.reps or (5 if args.quick else 50)
    if args.child:
        return run_child(args.child, args.data, steps)
    if args.ch14:
        return run_ch14_child(args.ch14, reps)
    if args.profile:
        return profile(args.steps or 5)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.json")
        with open(data_path, "w") as f:
            json.dump(demo_data(), f)
        res = {}
        for system in systems():
            print(f"training with {system} for {steps} steps ...", flush=True)
            args_ = ["--child", system, "--data", data_path, "--steps", steps]
            res[system] = C.child("bench_training.py", args_, timeout=60 + 20 * steps)
            r = res[system]
            if "error" in r:
                print(f"  {system}: {r['error']}\n{r['detail']}")
            else:
                print(f"  {system}: {r['wall'] / steps:.4g} s/step, losses "
                      f"{r['losses'][0]!r} ... {r['losses'][-1]!r}", flush=True)  # fmt: skip
    rows = compare(res, steps)
    ch14 = {}
    for system in CH14_SYSTEMS:
        print(f"lecture chapter 14 with {system}, {reps} times ...", flush=True)
        ch14[system] = C.child("bench_training.py", ["--ch14", system, "--reps", reps], 600)
    rows += compare_ch14(ch14, reps)
    C.emit(rows, args.json)
    return 1 if any(r["flag"] in C.LOUD for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
