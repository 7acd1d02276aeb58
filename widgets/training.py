"""The training panel: an MLP learns a dataset, with a progress bar, the loss curve
and, for 2-D data, the decision boundary, all moving while it runs.

A view over ``explorer.training.Trainer`` (the datasets, the losses, the three
graphs of the same function, the loop and the critical rate 2/λmax, in its
docstring; a test trains it without a widget): the rate, the steps, the decay and
the graph as controls; the status line shows the rate beside 2/λmax, measured when
a network is made, while it trains (every ``CURVATURE_EVERY`` s) and after a run,
and ``.rate_note`` says before a run when the chosen rate is above it.

Run (the button) trains in a background thread, so the kernel stays free to hear
Stop and the page keeps moving: the status line every ``STATUS_EVERY`` s, the loss
curve and the boundary every ``REDRAW_EVERY`` s. ``run()`` trains in the caller's
thread (scripts and tests).
"""

import threading
import time

import ipywidgets as W
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from explorer.rates import rate_note
from explorer.training import Trainer
from widgets._common import INK, MUTED, Panel, figure, image, num, png, row, status_html

REDRAW_EVERY = 1.0  # seconds between pictures while a run goes on (one costs ~0.2 s)
STATUS_EVERY = 0.2  # seconds between status lines: about what a reader can follow
CURVATURE_EVERY = 3.0  # seconds between measurements of λmax while a run goes on
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
# the trainer's numbers and methods, read through the panel (notebooks and tests use them)
TRAINER = frozenset(
    "X y dataset seed grid hidden model params losses loss accuracy boundary curvature "
    "critical_rate scores scores_on_grid step".split()
)


class Training(Panel):
    """Train an MLP on ``dataset``; ``.run()`` (or the Run button) takes
    ``.steps.value`` steps at ``.lr.value``, moving ``.progress`` as it goes.

    ``.trainer`` is the ``Trainer`` it drives; its numbers read through the panel:
    ``.losses`` is the loss before each step taken so far, ``.accuracy`` the
    fraction of samples whose score has the target's sign, ``.boundary`` the last
    grid of scores (2-D data), ``.critical_rate`` 2/λmax; ``.plot`` is the Image of
    the loss curve and boundary.
    """

    MODEL, READ_THROUGH = "trainer", TRAINER

    def __init__(
        self, dataset="moons", *, hidden=None, n_samples=100, noise=0.1, seed=1337,
        lr=None, steps=None, grid=20, graph=None,
    ):  # fmt: skip
        trainer = Trainer(dataset, hidden=hidden, n_samples=n_samples, noise=noise, seed=seed,
                          grid=grid, graph=graph)  # fmt: skip
        self.trainer = trainer
        moons = dataset == "moons"

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
            options=[(text, key) for key, text in GRAPHS.items()], value=trainer.graph,
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
        self.run_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.reset_button.on_click(lambda _: self.reset())
        self.graph.observe(lambda _: self.reset(), names="value")
        self.lr.observe(lambda _: self._show_rate(), names="value")
        self._show_rate()
        self._show()

    def reset(self):
        """A new network from the seed, on the chosen graph; the loss history starts again."""
        self.trainer.graph = self.graph.value
        self.trainer.reset()
        self.progress.value = 0
        self.timing.value = ""
        self._show_rate()
        self._show()

    def measure_curvature(self):
        """λmax (and λmin) of the loss at the current parameters, shown beside the rate."""
        self.trainer.measure_curvature()
        self._show_rate()
        return self.curvature

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
        started = time.monotonic()
        clock = {"drawn": started, "shown": started, "measured": started}

        def after_step(done):
            now = time.monotonic()
            if now - clock["drawn"] > REDRAW_EVERY and done < n:
                self.progress.value = done
                self.trainer.evaluate()
                if now - clock["measured"] > CURVATURE_EVERY:
                    self.measure_curvature()
                    clock["measured"] = time.monotonic()
                self._show()
                clock["drawn"] = clock["shown"] = time.monotonic()
            elif now - clock["shown"] > STATUS_EVERY:
                self.progress.value = done
                self._status(running=True)
                clock["shown"] = now

        try:
            done = self.trainer.train(n, lr0, self.decay.value, stop=self._stop.is_set,
                                      after_step=after_step)  # fmt: skip
            self._show_rate()  # the curvature after the run
        finally:
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
                self.trainer.update_boundary()
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
