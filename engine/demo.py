"""micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons points, SVM max-margin loss.

The one copy of the demo's setup, loss and training loop, which the tests, the
benchmarks, the training panel and the notebooks all run.
"""

import random

import numpy as np

from engine.data import make_moons
from engine.nn import MLP
from engine.value import Value


def setup(seed=1337, n_samples=100, noise=0.1, fused=False):
    """The demo's data and network: seeds NumPy and ``random`` as micrograd's demo does.

    Returns (model, X, y) with y in {-1, +1}."""
    np.random.seed(seed)
    random.seed(seed)
    X, y = make_moons(n_samples=n_samples, noise=noise)
    return MLP(2, [16, 16, 1], fused=fused), X, y * 2 - 1


def svm_loss(model, X, y, alpha=1e-4):
    """mean_i relu(1 - y_i score_i) + alpha * sum(p^2); returns (loss, accuracy)."""
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(y, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def train(model, X, y, steps=100, on_step=None):
    """micrograd's loop: zero_grad, backward, ``p -= lr * grad`` with lr = 1 - 0.9 k/100.

    ``on_step(k, loss, accuracy)`` is called after every step. Returns the losses."""
    history = []
    for k in range(steps):
        loss, acc = svm_loss(model, X, y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        history.append(loss.data)
        if on_step is not None:
            on_step(k, loss.data, acc)
    return history
