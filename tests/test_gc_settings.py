"""The library never leaves the cyclic garbage collector's settings changed.

The engine's bulk builders (a module's call) pause the collector while they build,
since the nodes they make hold no cycles. After every public call, returning or
raising, ``gc.isenabled()``, ``gc.get_threshold()`` and ``gc.get_freeze_count()``
must be what they were before it, whatever the user had set them to.
"""

import gc
import random

import pytest

import engine
from engine import Value, affine, backward_order, recompute, topo_order, vary
from engine.demo import setup, svm_loss, train
from engine.graph import builds_without_gc
from engine.nn import MLP, Layer, Neuron


def settings():
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


@pytest.fixture(params=["on", "off", "custom thresholds", "frozen"])
def user_gc(request):
    """The collector as the user left it: on, off, tuned, or with a frozen heap."""
    saved = settings()
    if request.param == "off":
        gc.disable()
    elif request.param == "custom thresholds":
        gc.set_threshold(1234, 7, 3)
    elif request.param == "frozen":
        gc.freeze()
    yield settings()
    gc.unfreeze()
    gc.set_threshold(*saved[1])
    (gc.enable if saved[0] else gc.disable)()


def same_settings(before):
    """Equal, except that objects frozen before the call may have been freed since
    (the freeze count only falls then): the library never freezes anything."""
    now = settings()
    return now[:2] == before[:2] and now[2] <= before[2] and (before[2] or not now[2])


def ones(module):
    for p in module.parameters():
        p.data = 1.0
    return module


def neuron_graph():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return (x1 * w1 + x2 * w2 + b).tanh(), [x1, w1, x2, w2, b]


def _mlp_call(**kw):
    random.seed(0)
    return MLP(3, [4, 4, 1], **kw)([1.0, -2.0, 0.5])


def _vary():
    o, (x1, *_) = neuron_graph()
    with vary(o, [x1]) as f:
        return f(1.5)


def _backward():
    o, _ = neuron_graph()
    o.backward()
    list(backward_order(o))
    recompute(topo_order(o))
    o.zero_grad()
    return o.forward()


def _symbolic():
    o, (x1, *_) = neuron_graph()
    o.backward()
    return x1.grad_expr, x1.chain_expr, o.expr, engine.oracle(o, x1)


def _demo_step():
    model, X, y = setup(n_samples=10)
    svm_loss(model, X, y)
    return train(model, X, y, steps=1)


CALLS = {
    "arithmetic": lambda: (Value(2.0) * 3 + 1 - Value(1.0) / 2) ** 2,
    "backward, forward, zero_grad": _backward,
    "MLP call (micrograd's)": _mlp_call,
    "MLP call (tanh)": lambda: _mlp_call(act="tanh"),
    "MLP call (fused)": lambda: _mlp_call(fused=True),
    "Layer call": lambda: Layer(2, 3)([1.0, 2.0]),
    "Neuron call": lambda: Neuron(2)([1.0, 2.0]),
    "affine": lambda: affine(Value(1.0), [Value(2.0), 3.0], [4.0, Value(5.0)]),
    "vary": _vary,
    "symbolic views": _symbolic,
    "demo step": _demo_step,
}

RAISING = {
    # each raises inside a module's call, where the collector is paused
    "MLP call on a string": (lambda: MLP(2, [3, 1])(["a", 1.0]), TypeError),
    "MLP call that overflows": (lambda: ones(MLP(2, [3, 1]))([1e308, 1e308]), engine.DomainError),
    "Neuron call that overflows": (lambda: ones(Neuron(2))([1e308, 1e308]), engine.DomainError),
    "Layer call on a Value list of None": (lambda: Layer(1, 2)([None]), TypeError),
    "affine of mismatched lengths": (lambda: affine(1.0, [1.0], []), ValueError),
    "log of -1": (lambda: Value(-1.0).log(), engine.DomainError),
}


@pytest.mark.parametrize("name", CALLS)
def test_public_calls_leave_gc_settings_alone(user_gc, name):
    CALLS[name]()
    assert same_settings(user_gc)


@pytest.mark.parametrize("name", RAISING)
def test_raising_calls_leave_gc_settings_alone(user_gc, name):
    call, error = RAISING[name]
    with pytest.raises(error):
        call()
    assert same_settings(user_gc)


def test_a_module_call_pauses_the_collector_only_while_it_builds():
    seen = []

    class Probe(Neuron):
        def __call__(self, x):
            seen.append(gc.isenabled())
            return super().__call__(x)

    layer = Layer(2, 2)
    layer.neurons = [Probe(2), Probe(2)]
    assert gc.isenabled()
    layer([1.0, 2.0])
    assert seen == [False, False] and gc.isenabled()


def test_builds_without_gc_restores_on_error_and_when_nested(user_gc):
    @builds_without_gc
    def inner(self, x):
        assert not gc.isenabled()
        if x == "boom":
            raise RuntimeError(x)
        return x

    @builds_without_gc
    def outer(self, x):
        assert not gc.isenabled()
        assert inner(None, x) == x
        assert not gc.isenabled()  # the inner builder left the pause to the outer
        return x

    assert outer(None, 1) == 1
    assert same_settings(user_gc)
    with pytest.raises(RuntimeError):
        outer(None, "boom")
    assert same_settings(user_gc)


def test_training_never_loads_sympy():
    # SymPy's tens of thousands of long-lived objects would be scanned by every full
    # collection of a training run that never asks for a formula
    import subprocess
    import sys

    code = (
        "import sys, random, engine, engine.nn, engine.demo\n"
        "model, X, y = engine.demo.setup(n_samples=10)\n"
        "engine.demo.train(model, X, y, steps=2)\n"
        "print('sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
