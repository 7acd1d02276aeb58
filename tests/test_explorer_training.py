"""explorer.training.Trainer, the loop the training panel drives, without a widget.

Oracle: the lecture's training loop written out here on the engine (same seed, so
the same network), whose losses the trainer must reproduce step for step, and the
model evaluated on freshly built graphs for the decision boundary.
"""

import gc
import random

import numpy as np
import pytest

from engine import Value
from engine.data import LECTURE_XS, LECTURE_YS, make_moons
from engine.nn import MLP
from explorer.training import Trainer, decayed


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
    return losses, [p.data for p in model.parameters()], model


def test_the_lecture_loop_step_for_step():
    t = Trainer("lecture")
    assert t.graph == "micrograd" and t.hidden == (4, 4) and len(t.params) == 41
    assert t.train(20, 0.1) == 20
    expected, params, model = lecture_losses(20, 0.1)
    assert t.losses == pytest.approx(expected, rel=1e-12)
    assert [q.data for q in t.params] == pytest.approx(params, rel=1e-12)
    assert expected[-1] < 0.05 and t.accuracy == 1.0  # the lecture's chapter 14
    # .loss is the loss at the parameters after the last step
    preds = [model([Value(x) for x in xs]) for xs in LECTURE_XS]
    assert t.loss == pytest.approx(sum((p.data - y) ** 2 for p, y in zip(preds, LECTURE_YS)))


def test_training_continues_and_reset_starts_again():
    t = Trainer("lecture")
    t.train(5, 0.1)
    t.train(5, 0.1)
    expected, _, _ = lecture_losses(10, 0.1)
    assert t.losses == pytest.approx(expected, rel=1e-12)
    t.reset()
    assert t.losses == [] and t.boundary is None
    t.train(5, 0.1)
    assert t.losses == pytest.approx(expected[:5], rel=1e-12)


@pytest.mark.parametrize("graph", ["micrograd", "compiled"])
def test_moons_losses_and_decision_boundary(graph):
    t = Trainer(n_samples=16, hidden=(4,), grid=5, graph=graph)
    X, y = make_moons(16, noise=0.1, random_state=1337)
    assert np.array_equal(t.X, X) and np.array_equal(t.y, 2 * y - 1)
    t.train(4, 0.5, decay=True)
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
    assert t.losses == pytest.approx(losses, rel=1e-12)
    assert t.losses[0] == losses[0]  # the same forward, the same order: the same number
    gx, gy, s = t.update_boundary()
    assert s.shape == (5, 5) and t.boundary[2] is s
    for i in (0, 2, 4):
        for j in (1, 3):
            fresh = model([Value(float(gx[j])), Value(float(gy[i]))]).data
            assert s[i, j] == pytest.approx(fresh, rel=1e-12, abs=1e-15)


def test_the_three_graphs_give_the_same_losses():
    """micrograd's graph, fused neurons and the compiled closed forms train the same
    network to the same losses (to rounding)."""
    runs = {}
    for graph in ("micrograd", "fused", "compiled"):
        t = Trainer(n_samples=30, hidden=(8, 8), graph=graph)
        t.train(12, 1.0, decay=True)
        runs[graph] = t.losses
    assert runs["fused"] == pytest.approx(runs["micrograd"], rel=1e-12)
    assert runs["compiled"] == pytest.approx(runs["micrograd"], rel=1e-12)
    assert runs["compiled"][0] == runs["micrograd"][0]


@pytest.mark.timeout(120)  # micrograd's graph would take minutes; bench_training times it
def test_the_moons_demo_on_the_compiled_graph():
    t = Trainer()
    assert t.graph == "compiled" and t.hidden == (16, 16)
    t.train(100, 1.0, decay=True)
    assert t.losses[-1] < 0.05 and t.accuracy == 1.0


def test_the_rate_decays_as_micrographs_demo():
    assert [decayed(1.0, k, 100) for k in (0, 50, 100)] == [1.0, 1 - 0.45, 1 - 0.9]
    assert decayed(0.3, 7, 10, decay=False) == 0.3


def test_stop_and_after_step():
    t = Trainer("lecture")
    seen = []
    done = t.train(50, 0.1, stop=lambda: len(t.losses) >= 3, after_step=seen.append)
    assert done == 3 and seen == [1, 2, 3] and len(t.losses) == 3


def test_the_collector_is_paused_for_the_loop_and_restored_also_on_error():
    t = Trainer("lecture")
    seen = []
    t.train(2, 0.1, after_step=lambda done: seen.append(gc.isenabled()))
    assert seen == [False, False] and gc.isenabled()

    def fail(done):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        t.train(2, 0.1, after_step=fail)
    assert gc.isenabled()
    gc.disable()  # a user's own setting is left alone
    try:
        t.train(1, 0.1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_critical_rate_is_measured_after_a_run():
    t = Trainer("lecture")
    before = t.critical_rate
    assert before is not None and t.curvature.critical_rate == before
    t.train(5, 0.05)
    assert t.critical_rate != before and t.critical_rate == t.curvature.critical_rate


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="dataset must be one of"):
        Trainer("iris")
    with pytest.raises(ValueError, match="grid must be"):
        Trainer("moons", grid=1)
    with pytest.raises(ValueError, match="graph must be one of"):
        Trainer("moons", graph="torch")
