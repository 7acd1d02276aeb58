"""The panels on a network's loss, through the numeric second order: the descent
panel's rates, Newton step and second-order predictions, and the training panel's
critical rate, held against PyTorch's Hessian of a vectorised twin (float64)."""

import random

import numpy as np
import pytest
import torch
from torch_twin import mlp_twin

from engine import Value, curvature
from engine.data import LECTURE_XS, LECTURE_YS
from engine.nn import MLP
from explorer.rates import rate_note
from widgets import descent, training


def chapter14(seed=1337):
    random.seed(seed)
    model = MLP(3, [4, 4, 1], act="tanh")
    loss = sum((model([Value(x) for x in xs]) - y) ** 2 for xs, y in zip(LECTURE_XS, LECTURE_YS))
    return model, loss


def torch_hessian(model, at=None):
    twin = mlp_twin(model)
    X = torch.tensor(LECTURE_XS, dtype=torch.float64)
    Y = torch.tensor(LECTURE_YS, dtype=torch.float64)
    p0 = torch.tensor(at if at is not None else [p.data for p in model.parameters()],
                      dtype=torch.float64)  # fmt: skip
    return torch.autograd.functional.hessian(lambda p: ((twin(p, X) - Y) ** 2).sum(), p0).numpy()


def test_descent_takes_a_networks_loss():
    model, loss = chapter14()
    params = model.parameters()
    T = torch_hessian(model)
    eig = np.linalg.eigvalsh(T)
    p = descent(loss, params, lr=0.01, steps=3)
    assert not p.symbolic and p.optimum is None and "not tried" in p.optima["why"]
    # the rates from the numeric Hessian: a saddle at the start, so no best rate
    assert p.critical_rate == pytest.approx(2 / eig[-1], rel=1e-9)
    assert p.best_rate is None and "saddle" in p.rate_note
    # the second-order prediction of the first step is g.dx + dx^T H dx / 2 with torch's H
    first, second = p.trajectory[0], p.trajectory[1]
    dx = np.array(second["x"]) - np.array(first["x"])
    g = np.array(first["grad"])
    assert first["predicted2"] == pytest.approx(g @ dx + dx @ T @ dx / 2, rel=1e-9)
    assert abs(first["predicted2"] - first["actual"]) < abs(first["predicted"] - first["actual"])
    # Newton's step solves with the numeric Hessian
    p.method.value = "newton"
    dx = np.array(p.trajectory[1]["x"]) - np.array(p.trajectory[0]["x"])
    np.testing.assert_allclose(dx, -np.linalg.solve(T, g), rtol=1e-7, atol=1e-10)
    # the line search, numeric: f falls at every step
    p.method.value = "line search"
    fs = [q["f"] for q in p.trajectory]
    assert "numeric" in p.line.what and all(b < a for a, b in zip(fs, fs[1:]))
    assert p.plot.value[:4] == b"\x89PNG"  # f against the step number
    assert [v.data for v in params] == p.start  # the panel leaves the network as found


def test_training_shows_the_critical_rate_and_warns_before_a_run():
    p = training("lecture")
    model, _ = chapter14()
    assert [v.data for v in p.params] == [v.data for v in model.parameters()]  # the same net
    top = np.linalg.eigvalsh(torch_hessian(model))[-1]
    assert p.critical_rate == pytest.approx(2 / top, rel=1e-9)
    # the lecture's rate 0.1 is above it at the start: said before a run
    assert p.lr.value == pytest.approx(0.1) and p.rate_too_high
    assert "above the critical rate" in p.rate_check.value
    assert f"critical rate 2/λmax {p.critical_rate:.3g}" in p.status.value
    p.lr.value = 0.05
    assert not p.rate_too_high and "below the critical rate" in p.rate_check.value
    # after a run, the rate is measured at the new parameters
    p.steps.value = 5
    p.run()
    after = np.linalg.eigvalsh(torch_hessian(model, [v.data for v in p.params]))[-1]
    assert p.critical_rate == pytest.approx(2 / after, rel=1e-9)


def test_rate_note_says_which_side():
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    bowl = curvature(x**2 + 10 * y**2, [x, y])  # λmax 20: critical 0.1
    assert rate_note(0.05, bowl)[0] == "good" and rate_note(0.2, bowl)[0] == "doubtful"
    assert "|1 − rate·λmax| = 3 > 1" in rate_note(0.2, bowl)[1]
    cap = curvature(-(x**2) - y**2, [x, y])
    kind, words = rate_note(0.1, cap)
    assert kind == "info" and "no critical rate" in words
