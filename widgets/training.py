"""The training panel: an MLP learns a dataset, with a progress bar, the loss curve
and, for 2-D data, the decision boundary, all moving while it runs.

Two datasets:
- ``"moons"``: micrograd's demo. Labels y in {-1, +1}, ``MLP(2, [16, 16, 1])``
  with ReLU, the max-margin loss
      L = mean_i relu(1 - y_i s_i) + alpha * sum_p p^2   (alpha = 1e-4),
  and the learning rate decaying as lr_k = lr (1 - 0.9 k / steps).
- ``"lecture"``: the lecture's four samples (chapter 12), ``MLP(3, [4, 4, 1],
  act="tanh")``, the squared-error loss L = sum_i (s_i - y_i)^2, a constant rate.

Each step is the lecture's loop: loss, zero the gradients, backward,
``p.data -= lr * p.grad``, on one of three graphs of the same function:

- ``"micrograd"``: the lecture's graph, a node per operation, rebuilt every step
  (the default for the lecture's dataset);
- ``"fused"``: ``MLP(..., fused=True)``, a node per neuron's weighted sum;
- ``"compiled"``: the one-sample loss compiled once into NumPy code by
  ``engine.compile`` (the closed forms of the value and of every parameter's
  gradient, for the whole batch at once); the default for the moons.

They compute the same numbers in the same order for the forward pass, so their
losses agree to rounding in the gradients' sums (about 1e-12 after a hundred steps;
the tests hold them to that): only the time differs.

**The critical rate.** Gradient descent on a quadratic with Hessian H is stable
only while lr < 2/λmax (λmax the largest eigenvalue of H: past it the steepest
direction's error grows by |1 - lr λmax| > 1 a step). The panel measures λmax of
the current loss (``engine.curvature``, on the fused graph of the same
parameters: the same numbers, a graph 8 times smaller) when a network is made,
while it trains (every ``CURVATURE_EVERY`` s) and after a run; the status line
shows the rate beside 2/λmax, ``.critical_rate`` holds it, and ``.rate_note``
says before a run when the chosen rate is above it. On a loss that is not a
quadratic it is a local statement: the curvature changes as the network learns.

Run (the button) trains in a background thread, so the kernel stays free to hear
Stop and the page keeps moving: the status line every ``STATUS_EVERY`` s, the loss
curve and the boundary every ``REDRAW_EVERY`` s. ``run()`` trains in the caller's
thread (scripts and tests).
"""

import gc
import random
import threading
import time

import ipywidgets as W
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from engine import Value, curvature, demo
from engine.compile import compile_value_and_grad
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP
from explorer.rates import rate_note
from widgets._common import INK, MUTED, Panel, figure, image, num, png, row, status_html

ALPHA = 1e-4
REDRAW_EVERY = 1.0  # seconds between pictures while a run goes on (one costs ~0.2 s)
STATUS_EVERY = 0.2  # seconds between status lines: about what a reader can follow
CURVATURE_EVERY = 3.0  # seconds between measurements of λmax while a run goes on
DATASETS = ("moons", "lecture")
GRAPHS = {
    "micrograd": "micrograd's graph: a node per operation (the lecture's)",
    "fused": "fused neurons: a node per weighted sum",
    "compiled": "compiled closed forms (engine.compile, NumPy)",
}
ON = {"micrograd": "micrograd's graph", "fused": "the fused graph",
      "compiled": "the compiled closed forms"}  # fmt: skip
SAME = (
    "The three graphs compute the same function in the same order: the same losses "
    "(to rounding, about 1e-12), at different speeds."
)


class Training(Panel):
    """Train an MLP on ``dataset``; ``.run()`` (or the Run button) takes
    ``.steps.value`` steps at ``.lr.value``, moving ``.progress`` as it goes.

    ``.losses`` is the loss before each step taken so far, ``.accuracy`` the
    fraction of samples whose score has the target's sign, ``.boundary`` the last
    grid of scores (2-D data), ``.plot`` the Image of the loss curve and boundary.
    """

    def __init__(
        self, dataset="moons", *, hidden=None, n_samples=100, noise=0.1, seed=1337,
        lr=None, steps=None, grid=20, graph=None,
    ):  # fmt: skip
        if dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
        graph = graph or ("compiled" if dataset == "moons" else "micrograd")
        if graph not in GRAPHS:
            raise ValueError(f"graph must be one of {', '.join(GRAPHS)}, got {graph!r}")
        if not (isinstance(grid, int) and 2 <= grid <= 200):
            raise ValueError(f"grid must be an int from 2 to 200 (points per side), got {grid!r}")
        self.dataset, self.seed, self.grid = dataset, seed, grid
        moons = dataset == "moons"
        if moons:
            X, y = make_moons(n_samples, noise=noise, random_state=seed)
            self.X, self.y = X, (2 * y - 1).astype(float)
        else:
            self.X, self.y = np.array(LECTURE_XS), np.array(LECTURE_YS)
        self.hidden = tuple(hidden) if hidden is not None else ((16, 16) if moons else (4, 4))

        slider = dict(flex="1 1 240px", min_width="200px", max_width="420px")
        self.lr = W.FloatLogSlider(
            value=lr or (1.0 if moons else 0.1), base=10, min=-3, max=0.5, step=0.05,
            description="rate", readout_format=".3g", layout=W.Layout(**slider),
        )  # fmt: skip
        self.steps = W.IntSlider(value=steps or (100 if moons else 20), min=1, max=500,
                                 description="steps", layout=W.Layout(**slider))  # fmt: skip
        self.decay = W.Checkbox(
            value=moons, description="decay the rate (micrograd's)", indent=False,
            layout=W.Layout(width="auto"),
        )  # fmt: skip
        self.graph = W.Dropdown(
            options=[(text, key) for key, text in GRAPHS.items()], value=graph,
            description="graph", layout=W.Layout(flex="1 1 300px", max_width="440px"),
        )  # fmt: skip
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        self.reset_button = W.Button(description="New network", icon="refresh")
        self.progress = W.IntProgress(
            value=0, min=0, max=1, description="progress",
            layout=W.Layout(flex="1 1 200px", max_width="400px"),
        )  # fmt: skip
        self.status = W.Label(layout=W.Layout(max_width="100%"))
        self.status.add_class("ade-train-status")
        self.rate_check = W.HTML()
        self.rate_check.add_class("ade-train-rate")
        self.same = W.HTML(f'<span style="color:{MUTED};font-size:12px">{SAME}</span>')
        self.timing = W.HTML()
        self.timing.add_class("ade-train-timing")
        self.plot = image("100%")
        self.widget = W.VBox(
            [
                row([self.lr, self.steps, self.decay]),
                self.rate_check,
                row([self.graph]),
                self.same,
                row([self.run_button, self.stop_button, self.reset_button, self.progress]),
                self.status,
                self.timing,
                self.plot,
            ],
            layout=W.Layout(max_width="100%"),
        )
        self._thread, self._stop = None, threading.Event()
        self._compiled = {}  # graph key -> (loss function, score function)
        self.run_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.reset_button.on_click(lambda _: self.reset())
        self.graph.observe(lambda _: self.reset(), names="value")
        self.lr.observe(lambda _: self._show_rate(), names="value")
        self.reset()

    # -- the model -----------------------------------------------------------
    def reset(self):
        """A new network from the seed; the loss history starts again."""
        random.seed(self.seed)
        nin = self.X.shape[1]
        act = "tanh" if self.dataset == "lecture" else None
        self.model = MLP(nin, [*self.hidden, 1], act=act, fused=self.graph.value == "fused")
        self.params = self.model.parameters()
        self.losses, self.boundary = [], None
        # one score graph on input Values, re-run per grid point and per accuracy
        self._score_in = [Value(0.0, label=f"x_{j + 1}") for j in range(nin)]
        self._score = self.model(self._score_in)
        self.loss, self.accuracy = self._loss_and_accuracy()
        self.progress.value = 0
        self.timing.value = ""
        self.measure_curvature()
        self._show()

    def _loss(self, model=None):
        """(loss Value, accuracy): the dataset's loss graph, built afresh (the lecture's
        way), by ``model`` (default the panel's)."""
        model = model or self.model
        if self.dataset == "moons":  # micrograd's max-margin loss, engine.demo's one copy
            return demo.svm_loss(model, self.X, self.y, ALPHA)
        scores = [model([Value(float(v)) for v in x]) for x in self.X]
        loss = sum((s - float(yi)) ** 2 for yi, s in zip(self.y, scores))
        acc = float(np.mean([(s.data > 0) == (yi > 0) for yi, s in zip(self.y, scores)]))
        return loss, acc

    def _compiled_fns(self):
        """The one-sample loss and the score, compiled once per network shape."""
        key = (self.dataset, self.hidden, self.X.shape[1])
        if key not in self._compiled:
            random.seed(self.seed)
            act = "tanh" if self.dataset == "lecture" else None
            model = MLP(self.X.shape[1], [*self.hidden, 1], act=act)
            xs = [Value(0.0, label=f"x_{j + 1}") for j in range(self.X.shape[1])]
            y = Value(0.0, label="y")
            score = model(xs)
            one = (1 + -y * score).relu() if self.dataset == "moons" else (score - y) ** 2
            params = model.parameters()
            self._compiled[key] = (
                compile_value_and_grad(one, [*xs, y], params, name="loss_and_grad"),
                compile_value_and_grad(score, xs, params, name="score_and_grad"),
            )
        return self._compiled[key]

    def _theta(self):
        return np.array([p.data for p in self.params])

    def _compiled_step(self):
        """(loss, gradient) at the current parameters, from the compiled closed forms.
        The loss adds up in the engine's order, so it is the engine's number."""
        f, _ = self._compiled_fns()
        theta = self._theta()
        values, grads = f(np.column_stack([self.X, self.y]), theta)
        total = 0
        for v in values.tolist():
            total += v
        if self.dataset == "moons":
            reg = 0
            for t in theta.tolist():
                reg += t * t
            loss = total * (1.0 / len(values)) + ALPHA * reg
            grad = grads.sum(axis=0) * (1.0 / len(values)) + ALPHA * 2 * theta
        else:
            loss, grad = total, grads.sum(axis=0)
        return loss, grad

    def scores(self, points):
        """The model's score at each point (rows of ``points``)."""
        points = np.asarray(points, dtype=float)
        if self.graph.value == "compiled":
            _, g = self._compiled_fns()
            return g(points, self._theta())[0]
        out = np.empty(len(points))
        for i, x in enumerate(points):
            for v, xj in zip(self._score_in, x):
                v.data = float(xj)
            out[i] = self._score.forward()
        return out

    def _accuracy(self):
        return float(np.mean((self.scores(self.X) > 0) == (self.y > 0)))

    def _loss_and_accuracy(self):
        if self.graph.value == "compiled":
            return self._compiled_step()[0], self._accuracy()
        loss, acc = self._loss()
        return loss.data, acc

    def step(self, lr):
        """One step of gradient descent; returns the loss before it."""
        if self.graph.value == "compiled":
            loss, grad = self._compiled_step()
            for p, g in zip(self.params, grad.tolist()):
                p.data -= lr * g
        else:
            loss, self.accuracy = self._loss()
            self.model.zero_grad()
            loss.backward()
            for p in self.params:
                p.data -= lr * p.grad
            loss = loss.data
        self.losses.append(loss)
        return loss

    # -- the critical rate ----------------------------------------------------
    def measure_curvature(self):
        """λmax (and λmin) of the loss at the current parameters: ``.curvature``."""
        loss, _ = self._loss(self.model.with_graph(fused=True))
        self.curvature = curvature(loss, self.params)
        self._show_rate()
        return self.curvature

    @property
    def critical_rate(self):
        """2/λmax of the loss at the parameters of the last measurement (None
        unless λmax > 0): gradient steps above it grow along the steepest direction."""
        return self.curvature.critical_rate

    @property
    def rate_too_high(self):
        """The chosen (starting) rate is above the critical rate."""
        c = self.critical_rate
        return c is not None and float(self.lr.value) > c

    def _show_rate(self):
        kind, self.rate_note = rate_note(float(self.lr.value), self.curvature)
        self.rate_check.value = status_html(self.rate_note, kind, "ade-train-rate-note")

    # -- running -------------------------------------------------------------
    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        """Run in a background thread (the Run button): the kernel stays free to hear
        Stop, and the page shows the run as it goes."""
        if self.running:
            return
        self._thread = threading.Thread(target=self._run_quietly, daemon=True)
        self._set_running(True)
        self._thread.start()

    def _run_quietly(self):
        try:
            self.run()
        except Exception as e:  # the thread has no caller: say it in the panel
            self.timing.value = status_html(f"the run stopped: {type(e).__name__}: {e}", "wrong")
            self._set_running(False)

    def stop(self):
        """Ask a run to stop after its current step (the Stop button)."""
        self._stop.set()

    def wait(self, timeout=None):
        """Until a background run ends (for scripts and tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _set_running(self, on):
        self.run_button.disabled = on
        self.reset_button.disabled = on
        self.graph.disabled = on
        self.stop_button.disabled = not on

    def run(self):
        """Take ``steps`` steps, showing the status about five times a second and the
        loss curve and boundary about once a second, until done or stopped."""
        n, lr0 = self.steps.value, float(self.lr.value)
        self._stop.clear()
        self._set_running(True)
        self.progress.max, self.progress.value = n, 0
        self._show_rate()  # said before the first step, with the rate chosen
        started = drawn = shown = measured = time.monotonic()
        collecting = gc.isenabled()
        # Values hold no reference cycles, so reference counting frees every graph;
        # the cyclic collector would only rescan the live nodes (a third of the time).
        gc.disable()
        done = 0
        try:
            for k in range(n):
                if self._stop.is_set():
                    break
                lr = lr0 * (1 - 0.9 * k / n) if self.decay.value else lr0
                self.step(lr)
                done = k + 1
                now = time.monotonic()
                if now - drawn > REDRAW_EVERY and done < n:
                    self.progress.value = done
                    self.loss, self.accuracy = self._loss_and_accuracy()
                    if now - measured > CURVATURE_EVERY:
                        self.measure_curvature()
                        measured = time.monotonic()
                    self._show()
                    drawn = shown = time.monotonic()
                elif now - shown > STATUS_EVERY:
                    self.progress.value = done
                    self._status(running=True)
                    shown = now
            self.loss, self.accuracy = self._loss_and_accuracy()
            self.measure_curvature()
        finally:
            if collecting:
                gc.enable()
            self._set_running(False)
        took = time.monotonic() - started
        self.progress.value = done
        # at rest at once: the picture below takes a moment, and till then the line
        # still read "running, step k of n" after Stop
        self._status()
        stopped = " (stopped)" if done < n else ""
        took = f"{took:.1f} s" if took >= 1 else f"{1000 * took:.0f} ms"
        self.timing.value = status_html(
            f"{done} steps in {took} on {ON[self.graph.value]}{stopped}", "info"
        )
        self._show()

    def scores_on_grid(self):
        """(xs, ys, scores): the model's score on a grid over the data (padded)."""
        (x0, y0), (x1, y1) = self.X.min(axis=0) - 0.5, self.X.max(axis=0) + 0.5
        gx, gy = np.linspace(x0, x1, self.grid), np.linspace(y0, y1, self.grid)
        xx, yy = np.meshgrid(gx, gy)
        out = self.scores(np.column_stack([xx.ravel(), yy.ravel()]))
        return gx, gy, out.reshape(self.grid, self.grid)

    # -- the picture ---------------------------------------------------------
    def _show(self, boundary=True):
        k = len(self.losses)
        fig = figure(9.0, 3.6)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.14, wspace=0.25)
        ax, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        if self.losses:
            ax.plot(range(k), self.losses, color="tab:blue", lw=1.5)
            if max(self.losses) > 20 * min(self.losses) > 0:  # a log axis pays past a decade
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())  # mathtext labels crowd it
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        c = self.critical_rate
        crit = f", critical 2/λmax {c:.3g}" if c is not None else ""
        # fixed placement: auto placement is slow
        ax.set_title(f"loss (rate {float(self.lr.value):.3g}{crit})", fontsize=10, y=1.0)
        if self.X.shape[1] == 2:
            if boundary or self.boundary is None:
                self.boundary = self.scores_on_grid()
            gx, gy, s = self.boundary
            right.contourf(gx, gy, s, levels=[-1e9, 0, 1e9], colors=["#f4b6b6", "#b6c8f4"])
            right.contour(gx, gy, s, levels=[0], colors=INK, linewidths=1)
            pos = self.y > 0
            right.scatter(*self.X[pos].T, c="tab:blue", s=14, edgecolors="k", linewidths=0.4)
            right.scatter(*self.X[~pos].T, c="tab:red", s=14, edgecolors="k", linewidths=0.4)
            right.set_title(f"decision boundary ({self.grid}x{self.grid} grid)", fontsize=10, y=1.0)
        else:
            scores = self.scores(self.X)
            idx = np.arange(len(self.y))
            right.bar(idx - 0.2, self.y, 0.4, color="gray", label="target")
            right.bar(idx + 0.2, scores, 0.4, color="tab:blue", label="prediction")
            right.axhline(0, color=INK, lw=0.8)
            right.set_xticks(idx)
            right.set_xlabel("sample")
            right.legend(fontsize=8)
            right.set_title("predictions vs targets", fontsize=10, y=1.0)
        self.plot.value = png(fig, dpi=80)
        # The status goes last: once the page shows it, the picture has arrived too.
        self._status()

    def _status(self, running=False):
        """The status line. While running: the last loss on the curve (the loss
        before the step just taken); at rest: the loss at the current parameters."""
        k = len(self.losses)
        if running:
            head = f"running, step {k} of {self.progress.max}: loss {num(self.losses[-1], 5)}"
        else:
            head = f"after {k} steps: loss {num(self.loss, 5)}"
        c = self.critical_rate
        crit = f", critical rate 2/λmax {c:.3g}" if c is not None else ""
        self.status.value = (
            f"{head}, accuracy {100 * self.accuracy:.0f}% ({len(self.y)} samples, "
            f"{len(self.params)} parameters); rate {float(self.lr.value):.3g}{crit}"
        )


def training(dataset="moons", **kwargs):
    """The training panel (see ``Training``): micrograd's moons demo by default."""
    return Training(dataset, **kwargs)
