"""``Trainer(dataset)``: an MLP learns a dataset by the lecture's loop; the numbers the
training panel (``widgets.training``) shows, which a test calls without a widget.

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
direction's error grows by |1 - lr λmax| > 1 a step). ``measure_curvature()``
measures λmax of the current loss (``engine.curvature``, on the fused graph of the
same parameters: the same numbers, a graph 8 times smaller); ``.critical_rate``
holds 2/λmax. On a loss that is not a quadratic it is a local statement: the
curvature changes as the network learns.
"""

import gc
import random

import numpy as np

from engine import Value, curvature, demo
from engine.compile import compile_value_and_grad
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP

ALPHA = 1e-4
DATASETS = ("moons", "lecture")
GRAPHS = ("micrograd", "fused", "compiled")


def decayed(lr, k, steps, decay=True):
    """The rate of step k of ``steps``: micrograd's lr (1 - 0.9 k / steps), or lr."""
    return lr * (1 - 0.9 * k / steps) if decay else lr


class Trainer:
    """An MLP on ``dataset`` (see the module docstring), trained ``step`` by ``step``
    or ``train(steps, lr)`` at a time.

    ``.X``, ``.y`` the samples and targets, ``.model`` the network (``.params`` its
    parameters), ``.losses`` the loss before each step taken so far, ``.loss`` and
    ``.accuracy`` (the fraction of samples whose score has the target's sign) at the
    current parameters after ``evaluate()``, ``.boundary`` the last grid of scores
    (2-D data, ``update_boundary()``), ``.curvature`` the last measurement of λmax.
    ``graph`` is one of ``GRAPHS``; set it, then ``reset()``.
    """

    def __init__(
        self, dataset="moons", *, hidden=None, n_samples=100, noise=0.1, seed=1337,
        grid=20, graph=None,
    ):  # fmt: skip
        if dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
        graph = graph or ("compiled" if dataset == "moons" else "micrograd")
        if graph not in GRAPHS:
            raise ValueError(f"graph must be one of {', '.join(GRAPHS)}, got {graph!r}")
        if not (isinstance(grid, int) and 2 <= grid <= 200):
            raise ValueError(f"grid must be an int from 2 to 200 (points per side), got {grid!r}")
        self.dataset, self.seed, self.grid, self.graph = dataset, seed, grid, graph
        if dataset == "moons":
            X, y = make_moons(n_samples, noise=noise, random_state=seed)
            self.X, self.y = X, (2 * y - 1).astype(float)
        else:
            self.X, self.y = np.array(LECTURE_XS), np.array(LECTURE_YS)
        default = (16, 16) if dataset == "moons" else (4, 4)
        self.hidden = tuple(hidden) if hidden is not None else default
        self._compiled = {}  # (dataset, hidden, inputs) -> (loss function, score function)
        self.reset()

    def reset(self):
        """A new network from the seed; the loss history starts again."""
        random.seed(self.seed)
        nin = self.X.shape[1]
        act = "tanh" if self.dataset == "lecture" else None
        self.model = MLP(nin, [*self.hidden, 1], act=act, fused=self.graph == "fused")
        self.params = self.model.parameters()
        self.losses, self.boundary = [], None
        # one score graph on input Values, re-run per grid point and per accuracy
        self._score_in = [Value(0.0, label=f"x_{j + 1}") for j in range(nin)]
        self._score = self.model(self._score_in)
        self.evaluate()
        self.measure_curvature()

    # -- the loss, three ways ----------------------------------------------------
    def _loss(self, model=None):
        """(loss Value, accuracy): the dataset's loss graph, built afresh (the lecture's
        way), by ``model`` (default the trainer's)."""
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
        if self.graph == "compiled":
            _, g = self._compiled_fns()
            return g(points, self._theta())[0]
        out = np.empty(len(points))
        for i, x in enumerate(points):
            for v, xj in zip(self._score_in, x):
                v.data = float(xj)
            out[i] = self._score.forward()
        return out

    def evaluate(self):
        """``.loss`` and ``.accuracy`` at the current parameters; returns both."""
        if self.graph == "compiled":
            self.loss = self._compiled_step()[0]
            self.accuracy = float(np.mean((self.scores(self.X) > 0) == (self.y > 0)))
        else:
            loss, self.accuracy = self._loss()
            self.loss = loss.data
        return self.loss, self.accuracy

    def scores_on_grid(self):
        """(xs, ys, scores): the model's score on a grid over the data (padded)."""
        (x0, y0), (x1, y1) = self.X.min(axis=0) - 0.5, self.X.max(axis=0) + 0.5
        gx, gy = np.linspace(x0, x1, self.grid), np.linspace(y0, y1, self.grid)
        xx, yy = np.meshgrid(gx, gy)
        out = self.scores(np.column_stack([xx.ravel(), yy.ravel()]))
        return gx, gy, out.reshape(self.grid, self.grid)

    def update_boundary(self):
        """``.boundary``: the scores on the grid at the current parameters."""
        self.boundary = self.scores_on_grid()
        return self.boundary

    # -- the loop ------------------------------------------------------------------
    def step(self, lr):
        """One step of gradient descent; returns the loss before it."""
        if self.graph == "compiled":
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

    def train(self, steps, lr, decay=False, *, stop=None, after_step=None):
        """Take ``steps`` steps from rate ``lr`` (``decayed`` when ``decay``), until
        done or ``stop()`` is true; ``after_step(done)`` is called after each step (a
        view's clock). Then ``evaluate()`` and ``measure_curvature()``; returns the
        number of steps taken.

        Values hold no reference cycles, so reference counting frees every graph;
        the cyclic collector would only rescan the live nodes (a third of the time):
        it is paused for the loop and restored as found, also on error."""
        collecting = gc.isenabled()
        gc.disable()
        done = 0
        try:
            for k in range(steps):
                if stop is not None and stop():
                    break
                self.step(decayed(lr, k, steps, decay))
                done = k + 1
                if after_step is not None:
                    after_step(done)
            self.evaluate()
            self.measure_curvature()
        finally:
            if collecting:
                gc.enable()
        return done

    # -- the critical rate -------------------------------------------------------
    def measure_curvature(self):
        """λmax (and λmin) of the loss at the current parameters: ``.curvature``."""
        loss, _ = self._loss(self.model.with_graph(fused=True))
        self.curvature = curvature(loss, self.params)
        return self.curvature

    @property
    def critical_rate(self):
        """2/λmax of the loss at the parameters of the last measurement (None
        unless λmax > 0): gradient steps above it grow along the steepest direction."""
        return self.curvature.critical_rate
