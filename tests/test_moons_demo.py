"""micrograd's demo, trained with this engine: micrograd's losses, and 100% accuracy."""

import functools
import random

import numpy as np
import pytest
from micrograd import nn as mg_nn
from micrograd.engine import Value as MGValue

from engine import demo


@functools.cache
def micrograd_losses(steps):
    """The demo with micrograd itself, the same seeds: the independent reference."""
    _, X, y = demo.setup()
    np.random.seed(1337)
    random.seed(1337)
    model = mg_nn.MLP(2, [16, 16, 1])
    out = []
    for k in range(steps):
        scores = [model(list(map(MGValue, row))) for row in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        out.append(loss.data)
    return out


@pytest.mark.parametrize("fused", [False, True])
def test_first_steps_match_micrograd(fused):
    model, X, y = demo.setup(fused=fused)
    ours = demo.train(model, X, y, steps=2)
    assert ours == pytest.approx(micrograd_losses(2), rel=1e-12)


def test_demo_reaches_full_accuracy():
    # fused neurons: the same numbers as micrograd's graph (above), five times faster
    model, X, y = demo.setup(fused=True)
    accs = []
    losses = demo.train(model, X, y, steps=100, on_step=lambda k, loss, acc: accs.append(acc))
    _, final_acc = demo.svm_loss(model, X, y)
    assert final_acc == 1.0
    assert losses[-1] < 0.05 < losses[0]
