"""The training panel: press Run as a user would, read the progress, loss and boundary.

Oracle: the lecture's training loop written out here on the engine (same seed, so
the same network), whose losses the panel's curve must reproduce step for step,
and the model evaluated on freshly built graphs for the decision boundary.
"""

import random
import sys
import time

import numpy as np
import pytest

from engine import Value
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP
from widgets import Training, training
from widgets._common import num


def lecture_losses(steps, lr, seed=1337):
    """the lecture's chapter 14, by hand: squared error, zero_grad, backward, step."""
    random.seed(seed)
    model = MLP(3, [4, 4, 1], act="tanh")
    losses = []
    for _ in range(steps):
        preds = [model([Value(x) for x in xs]) for xs in LECTURE_XS]
        loss = sum((p - y) ** 2 for p, y in zip(preds, LECTURE_YS))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses, [p.data for p in model.parameters()]


def test_lecture_dataset_run_button():
    p = training("lecture")
    assert p.steps.value == 20 and p.lr.value == pytest.approx(0.1)
    assert not p.decay.value
    before = p.plot.value
    p.run_button.click()  # runs in a thread, as in the page
    assert p.run_button.disabled and not p.stop_button.disabled or not p.running
    p.wait()
    expected, params = lecture_losses(20, p.lr.value)
    assert p.losses == pytest.approx(expected, rel=1e-12)
    assert [q.data for q in p.model.parameters()] == pytest.approx(params, rel=1e-12)
    assert p.progress.value == p.progress.max == 20
    assert expected[-1] < 0.05 and p.accuracy == 1.0  # the lecture's chapter 14
    assert "after 20 steps" in p.status.value and "accuracy 100%" in p.status.value
    assert p.plot.value != before and not p.run_button.disabled


def test_run_continues_and_reset_starts_again():
    p = training("lecture", steps=5)
    p.run()
    p.run()
    expected, _ = lecture_losses(10, p.lr.value)
    assert p.losses == pytest.approx(expected, rel=1e-12)
    p.reset_button.click()
    assert p.losses == [] and p.progress.value == 0
    p.run()
    assert p.losses == pytest.approx(expected[:5], rel=1e-12)


@pytest.mark.parametrize("graph", ["micrograd", "compiled"])
def test_moons_losses_and_decision_boundary(graph):
    p = training(n_samples=16, hidden=(4,), steps=4, grid=5, lr=0.5, graph=graph)
    X, y = make_moons(16, noise=0.1, random_state=1337)
    assert np.array_equal(p.X, X) and np.array_equal(p.y, 2 * y - 1)
    p.run()
    # the same run by hand: micrograd's max-margin loss and decaying rate
    random.seed(1337)
    model = MLP(2, [4, 1])
    ys = 2 * y - 1
    losses = []
    for k in range(4):
        scores = [model([Value(float(a)), Value(float(b))]) for a, b in X]
        data = sum((1 + -float(t) * s).relu() for t, s in zip(ys, scores)) * (1.0 / 16)
        loss = data + 1e-4 * sum(q * q for q in model.parameters())
        model.zero_grad()
        loss.backward()
        for q in model.parameters():
            q.data -= 0.5 * (1 - 0.9 * k / 4) * q.grad
        losses.append(loss.data)
    assert p.losses == pytest.approx(losses, rel=1e-12)
    assert p.losses[0] == losses[0]  # the same forward, the same order: the same number
    gx, gy, s = p.boundary
    assert s.shape == (5, 5)
    for i in (0, 2, 4):
        for j in (1, 3):
            fresh = model([Value(float(gx[j])), Value(float(gy[i]))]).data
            assert s[i, j] == pytest.approx(fresh, rel=1e-12, abs=1e-15)


def test_the_three_graphs_give_the_same_losses():
    """What the panel says: micrograd's graph, fused neurons and the compiled closed
    forms train the same network to the same losses (to rounding)."""
    runs = {}
    for graph in ("micrograd", "fused", "compiled"):
        p = training(n_samples=30, hidden=(8, 8), steps=12, graph=graph)
        p.run()
        runs[graph] = p.losses
        assert "same losses" in p.same.value and p.graph.value == graph
        assert "12 steps in" in p.timing.value
    assert runs["fused"] == pytest.approx(runs["micrograd"], rel=1e-12)
    assert runs["compiled"] == pytest.approx(runs["micrograd"], rel=1e-12)
    assert runs["compiled"][0] == runs["micrograd"][0]


@pytest.mark.timeout(120)  # micrograd's graph would take minutes; bench_training times it
def test_the_moons_demo_defaults_to_the_compiled_graph():
    p = training(steps=100)
    assert p.graph.value == "compiled" and training("lecture").graph.value == "micrograd"
    p.run()
    assert p.losses[-1] < 0.05 and p.accuracy == 1.0
    assert "after 100 steps" in p.status.value


def _stop_after_three_steps(p):
    """Start a run in the background, stop it once three losses are in, and wait."""
    p.start()
    deadline = time.monotonic() + 30
    while len(p.losses) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    p.stop()
    p.wait(30)


def test_stop_ends_a_background_run_and_the_status_keeps_up(monkeypatch):
    T = sys.modules["widgets.training"]

    monkeypatch.setattr(T, "STATUS_EVERY", 0.0)
    p = training("moons", n_samples=30, hidden=(8,), steps=500, graph="micrograd")
    seen = []
    p.status.observe(lambda c: seen.append(c["new"]), names="value")
    _stop_after_three_steps(p)
    assert not p.running and not p.run_button.disabled and p.stop_button.disabled
    assert 3 <= len(p.losses) < 500 and "(stopped)" in p.timing.value
    running = [t for t in seen if t.startswith("running")]
    assert running, seen
    # the status while running shows the curve's last point, never a stale loss
    k = int(running[-1].split("step ")[1].split(" ")[0])
    assert num(p.losses[k - 1], 5) in running[-1]


def test_after_stop_the_status_says_so_before_the_last_picture():
    p = training("moons", n_samples=30, hidden=(8,), steps=500, graph="micrograd")
    events = []
    p.status.observe(lambda c: events.append(c["new"]), names="value")
    p.plot.observe(lambda c: events.append("picture"), names="value")
    _stop_after_three_steps(p)
    last_picture = len(events) - 1 - events[::-1].index("picture")
    before = [e for e in events[:last_picture] if e != "picture"]
    assert before and before[-1].startswith(f"after {len(p.losses)} steps"), events[-4:]


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="dataset must be one of"):
        Training("iris")
    with pytest.raises(ValueError, match="grid must be"):
        Training("moons", grid=1)
    with pytest.raises(ValueError, match="graph must be one of"):
        Training("moons", graph="torch")
