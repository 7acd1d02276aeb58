"""engine.nn is micrograd's network, number for number; engine.data is sklearn's moons."""

import random

import numpy as np
import pytest
from micrograd import nn as mg_nn
from micrograd.engine import Value as MGValue

from engine import Value, topo_order
from engine.data import make_moons
from engine.nn import MLP, Layer, Neuron


def test_same_seed_same_network_as_micrograd():
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == 337
    assert str(ours) == str(theirs)
    x = [0.3, -1.2]
    out, ref = ours([Value(v) for v in x]), theirs([MGValue(v) for v in x])
    assert out.data == ref.data
    out.backward()
    ref.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-15
    )


def test_fused_neurons_give_micrograds_numbers_with_a_smaller_graph():
    random.seed(7)
    ours = MLP(3, [4, 4, 1], fused=True)
    random.seed(7)
    theirs = mg_nn.MLP(3, [4, 4, 1])
    x = [0.5, -1.0, 2.0]
    out, ref = ours([Value(v) for v in x]), theirs([MGValue(v) for v in x])
    assert out.data == ref.data  # the same additions in the same order
    out.backward()
    ref.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-15
    )
    assert len(topo_order(out)) < len(topo_order(MLP(3, [4, 4, 1])([1.0, 2.0, 3.0]))) / 2


def test_layer_of_one_neuron_returns_a_value_and_labels_are_readable():
    random.seed(0)
    layer = Layer(3, 1)
    assert isinstance(layer([1.0, 2.0, 3.0]), Value)
    net = MLP(3, [2, 1])
    labels = [p.label for p in net.parameters()]
    assert labels[:4] == ["w_{1,0,0}", "w_{1,0,1}", "w_{1,0,2}", "b_{1,0}"]
    assert labels[-1] == "b_{2,0}"
    assert repr(Neuron(2)) == "ReLUNeuron(2)" and repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"


def test_zero_grad_resets_parameters():
    random.seed(0)
    net = MLP(2, [3, 1])
    net([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())


def test_lecture_tanh_network():
    random.seed(0)
    net = MLP(3, [4, 4, 1], act="tanh")
    assert str(net).startswith("MLP of [Layer of [TanhNeuron(3)")
    assert any(p.data != 0 for p in net.parameters() if p.label.startswith("b"))
    with pytest.raises(ValueError, match="act must be one of"):
        Neuron(2, act="gelu")


# scikit-learn 1.9.1's make_moons(n_samples=100, noise=0.1) after np.random.seed(1337)
SKLEARN_HEAD = [[1.12211461, 0.08147717], [-0.81882941, 0.05879006], [1.61370966, -0.1246459]]
SKLEARN_Y = [0, 0, 1, 0, 1, 1, 1, 1, 1, 0]


def test_make_moons_reproduces_sklearn():
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    assert X.shape == (100, 2) and y.shape == (100,)
    assert X[:3] == pytest.approx(np.array(SKLEARN_HEAD), abs=1e-8)
    assert list(y[:10]) == SKLEARN_Y and y.sum() == 50


def test_make_moons_seeded_and_unshuffled():
    X1, _ = make_moons(50, noise=0.2, random_state=3)
    X2, _ = make_moons(50, noise=0.2, random_state=3)
    assert (X1 == X2).all()
    X, y = make_moons(4, shuffle=False)
    assert np.allclose(X, [[1, 0], [-1, 0], [0, 0.5], [2, 0.5]], atol=1e-12, rtol=0)
    assert y.tolist() == [0, 0, 1, 1]
    with pytest.raises(TypeError):
        make_moons("100")
