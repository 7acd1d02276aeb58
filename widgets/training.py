"""The training panel: an MLP learns a dataset, with a progress bar, the loss curve
and, for 2-D data, the decision boundary.

Two datasets:
- ``"moons"``: micrograd's demo. Labels y in {-1, +1}, ``MLP(2, [16, 16, 1])``
  with ReLU, the max-margin loss
      L = mean_i relu(1 - y_i s_i) + alpha * sum_p p^2   (alpha = 1e-4),
  and the learning rate decaying as lr_k = lr (1 - 0.9 k / steps).
- ``"lecture"``: the lecture's four samples (chapter 12), ``MLP(3, [4, 4, 1],
  act="tanh")``, the squared-error loss L = sum_i (s_i - y_i)^2, a constant rate.

Each step is the lecture's loop: build the loss, zero the gradients, backward,
``p.data -= lr * p.grad``. The boundary is the sign of the score on a coarse
grid, each point a ``forward()`` of one score graph built once on two input
Values: no graph is rebuilt per point.
"""

import gc
import random
import time

import ipywidgets as W
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from engine import Value, demo
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP
from widgets._common import Panel, figure, image, num, png

ALPHA = 1e-4
REDRAW_EVERY = 1.0  # seconds between loss curves drawn while a run goes on
DATASETS = ("moons", "lecture")


class Training(Panel):
    """Train an MLP on ``dataset``; ``.run()`` (or the Run button) takes
    ``.steps.value`` steps at ``.lr.value``, moving ``.progress`` as it goes.

    ``.losses`` is the loss before each step taken so far, ``.accuracy`` the
    fraction of samples whose score has the target's sign, ``.boundary`` the last
    grid of scores (2-D data), ``.plot`` the Image of the loss curve and boundary.
    """

    def __init__(
        self, dataset="moons", *, hidden=None, n_samples=100, noise=0.1, seed=1337,
        lr=None, steps=None, grid=20,
    ):  # fmt: skip
        if dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
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

        self.lr = W.FloatLogSlider(
            value=lr or (1.0 if moons else 0.1), base=10, min=-3, max=0.5, step=0.05,
            description="rate", readout_format=".3g",
        )  # fmt: skip
        self.steps = W.IntSlider(value=steps or (100 if moons else 20), min=1, max=500,
                                 description="steps")  # fmt: skip
        self.decay = W.Checkbox(value=moons, description="decay the rate (micrograd's)")
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.reset_button = W.Button(description="New network", icon="refresh")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress")
        self.status = W.Label()
        self.status.add_class("ade-train-status")
        self.plot = image("100%")
        self.widget = W.VBox(
            [
                W.HBox([self.lr, self.steps, self.decay]),
                W.HBox([self.run_button, self.reset_button, self.progress]),
                self.status,
                self.plot,
            ]
        )
        self.run_button.on_click(lambda _: self.run())
        self.reset_button.on_click(lambda _: self.reset())
        self.reset()

    # -- the model -----------------------------------------------------------
    def reset(self):
        """A new network from the seed; the loss history starts again."""
        random.seed(self.seed)
        nin = self.X.shape[1]
        act = "tanh" if self.dataset == "lecture" else None
        self.model = MLP(nin, [*self.hidden, 1], act=act)
        self.losses, self.boundary = [], None
        if nin == 2:  # one score graph on two input Values, re-run per grid point
            self._grid_in = [Value(0.0, label="x_1"), Value(0.0, label="x_2")]
            self._grid_score = self.model(self._grid_in)
        self.loss_value, self.accuracy = self._loss()
        self.progress.value = 0
        self._show()

    def _loss(self):
        """(loss Value, accuracy): the dataset's loss, built afresh (the lecture's way)."""
        if self.dataset == "moons":  # micrograd's max-margin loss, engine.demo's one copy
            return demo.svm_loss(self.model, self.X, self.y, ALPHA)
        scores = [self.model([Value(float(v)) for v in x]) for x in self.X]
        ys = self.y
        loss = sum((s - float(yi)) ** 2 for yi, s in zip(ys, scores))
        acc = float(np.mean([(s.data > 0) == (yi > 0) for yi, s in zip(ys, scores)]))
        return loss, acc

    def step(self, lr):
        """One step of gradient descent; returns the loss before it."""
        loss, self.accuracy = self._loss()
        self.model.zero_grad()
        loss.backward()
        for p in self.model.parameters():
            p.data -= lr * p.grad
        self.losses.append(loss.data)
        return loss.data

    def run(self):
        """Take ``steps`` steps, updating the progress bar at each and the loss curve
        every second or so (a figure costs a fifth of a second)."""
        n, lr0 = self.steps.value, float(self.lr.value)
        self.run_button.disabled = True
        self.progress.max, self.progress.value = n, 0
        drawn = time.monotonic()
        collecting = gc.isenabled()
        # Values hold no reference cycles, so reference counting frees every graph;
        # the cyclic collector would only rescan the live nodes (a third of the time).
        gc.disable()
        try:
            for k in range(n):
                lr = lr0 * (1 - 0.9 * k / n) if self.decay.value else lr0
                self.step(lr)
                self.progress.value = k + 1
                if time.monotonic() - drawn > REDRAW_EVERY and k + 1 < n:
                    self._show(boundary=False)
                    drawn = time.monotonic()
            self.loss_value, self.accuracy = self._loss()
        finally:
            if collecting:
                gc.enable()
            self.run_button.disabled = False
        self._show()

    def scores_on_grid(self):
        """(xs, ys, scores): the model's score on a grid over the data (padded)."""
        (x0, y0), (x1, y1) = self.X.min(axis=0) - 0.5, self.X.max(axis=0) + 0.5
        gx, gy = np.linspace(x0, x1, self.grid), np.linspace(y0, y1, self.grid)
        a, b = self._grid_in
        out = np.empty((self.grid, self.grid))
        for i, yv in enumerate(gy):
            b.data = float(yv)
            for j, xv in enumerate(gx):
                a.data = float(xv)
                out[i, j] = self._grid_score.forward()
        return gx, gy, out

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
        ax.set_title("loss", fontsize=10, y=1.0)  # fixed: auto placement is slow
        if self.X.shape[1] == 2:
            if boundary or self.boundary is None:
                self.boundary = self.scores_on_grid()
            gx, gy, s = self.boundary
            right.contourf(gx, gy, s, levels=[-1e9, 0, 1e9], colors=["#f4b6b6", "#b6c8f4"])
            right.contour(gx, gy, s, levels=[0], colors="black", linewidths=1)
            pos = self.y > 0
            right.scatter(*self.X[pos].T, c="tab:blue", s=14, edgecolors="k", linewidths=0.4)
            right.scatter(*self.X[~pos].T, c="tab:red", s=14, edgecolors="k", linewidths=0.4)
            right.set_title(f"decision boundary ({self.grid}x{self.grid} grid)", fontsize=10, y=1.0)
        else:
            scores = [self.model([Value(float(v)) for v in x]).data for x in self.X]
            idx = np.arange(len(self.y))
            right.bar(idx - 0.2, self.y, 0.4, color="gray", label="target")
            right.bar(idx + 0.2, scores, 0.4, color="tab:blue", label="prediction")
            right.axhline(0, color="black", lw=0.8)
            right.set_xticks(idx)
            right.set_xlabel("sample")
            right.legend(fontsize=8)
            right.set_title("predictions vs targets", fontsize=10, y=1.0)
        self.plot.value = png(fig, dpi=80)
        # The status goes last: once the page shows it, the picture has arrived too.
        self.status.value = (
            f"after {k} steps: loss {num(self.loss_value.data, 5)}, "
            f"accuracy {100 * self.accuracy:.0f}% ({len(self.y)} samples, "
            f"{len(self.model.parameters())} parameters)"
        )


def training(dataset="moons", **kwargs):
    """The training panel (see ``Training``): micrograd's moons demo by default."""
    return Training(dataset, **kwargs)
