"""Datasets: scikit-learn's two moons (NumPy only) and the lecture's four samples."""

import numpy as np

from engine.value import Value


def lecture_neuron():
    """the lecture's chapter 6: o = tanh(x1*w1 + x2*w2 + b), every node labelled.

    Returns {name: node}. Products are labelled ``x1w1`` rather than the lecture's
    ``x1*w1``: a label becomes a symbol, and ``x1*w1`` would read as a product."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1w1x2w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n, o=o)


def lecture_example1():
    """the lecture's chapter 3: L = (a*b + c) * f."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return dict(a=a, b=b, c=c, e=e, d=d, f=f, L=L)


def lecture_used_twice():
    """the lecture's chapter 8: f = (a*b) * (a + b), each of a and b feeding two nodes."""
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return dict(a=a, b=b, d=d, e=e, f=f)


# The lecture's dataset (chapter 12): four inputs of three features, targets +-1.
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]


def _random_state(seed):
    """scikit-learn's check_random_state: None is NumPy's global generator."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.RandomState(seed)
    raise TypeError(f"random_state must be None, an int or a RandomState, got {seed!r}")


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles, as ``sklearn.datasets.make_moons``: the same
    numbers for the same seed (with ``random_state=None`` it draws from NumPy's
    global generator, so ``np.random.seed(1337)`` first gives micrograd's demo data).

    Returns X, an (n, 2) float array, and y, an (n,) array of 0 and 1.
    """
    if isinstance(n_samples, tuple):
        n_out, n_in = n_samples
    elif isinstance(n_samples, (int, np.integer)) and not isinstance(n_samples, bool):
        n_out = n_samples // 2
        n_in = n_samples - n_out
    else:
        raise TypeError(f"n_samples must be an int or a pair of ints, got {n_samples!r}")
    if n_out < 0 or n_in < 0:
        raise ValueError(f"n_samples must be non-negative, got {n_samples!r}")
    rng = _random_state(random_state)

    outer_x = np.cos(np.linspace(0, np.pi, n_out))
    outer_y = np.sin(np.linspace(0, np.pi, n_out))
    inner_x = 1 - np.cos(np.linspace(0, np.pi, n_in))
    inner_y = 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5

    X = np.vstack([np.append(outer_x, inner_x), np.append(outer_y, inner_y)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    if shuffle:
        order = np.arange(X.shape[0])
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y
