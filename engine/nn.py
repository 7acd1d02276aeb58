"""Neural networks out of Values: micrograd's ``Module``, ``Neuron``, ``Layer``, ``MLP``.

Drop-in compatible with micrograd: the same constructor arguments, ``nonlin=True``
meaning ReLU, a linear last layer, weights drawn with ``random.uniform(-1, 1)`` in
the same order and biases 0, so ``random.seed(1337)`` gives micrograd's network.

``act="tanh"`` gives the lecture's network instead: tanh in every neuron, the
last layer's too, and biases drawn from ``uniform(-1, 1)`` after the weights.

``fused=True`` makes each neuron's sum one ``affine`` node (``b + sum w_i x_i``)
instead of micrograd's 2n nodes: the same numbers, a demo loss graph 8 times smaller
and training about that much faster. The default keeps micrograd's graph.

A module's call builds its graph with the cyclic garbage collector paused
(``engine.graph.builds_without_gc``) and restored as it was: its nodes hold no cycles, and
the collector re-scanning the growing graph was a large part of the demo's time.

Parameters carry readable labels, so formulas read ``w_{1,0,2}`` (layer 1,
neuron 0, input 2) and ``b_{1,0}``.
"""

import copy
import operator
import random

from engine.functions import affine
from engine.graph import builds_without_gc
from engine.value import Value

_ACTS = ("relu", "tanh", "linear")


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    """act(w . x + b), with act ReLU when ``nonlin`` (micrograd), or ``act``."""

    def __init__(self, nin, nonlin=True, act=None, name="", fused=False):
        if act is None:
            act = "relu" if nonlin else "linear"
        if act not in _ACTS:
            raise ValueError(f"act must be one of {', '.join(_ACTS)}, got {act!r}")
        sub = f"{name}," if name else ""
        self.w = [Value(random.uniform(-1, 1), label=f"w_{{{sub}{i}}}") for i in range(nin)]
        b = random.uniform(-1, 1) if act == "tanh" else 0.0
        self.b = Value(b, label=f"b_{{{name}}}" if name else "b")
        self.act = act
        self.nonlin = act != "linear"
        self.fused = fused

    @builds_without_gc
    def __call__(self, x):
        if self.fused:
            s = affine(self.b, self.w, x)
        else:
            # micrograd's sum((wi * xi for ...), self.b): the same nodes in the same
            # order, with each product made by map in C instead of a generator
            s = sum(map(operator.mul, self.w, x), self.b)
        return s.relu() if self.act == "relu" else s.tanh() if self.act == "tanh" else s

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        kind = {"relu": "ReLU", "tanh": "Tanh", "linear": "Linear"}[self.act]
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons over the same inputs; one neuron returns a single Value."""

    def __init__(self, nin, nout, name="", **kwargs):
        sub = f"{name}," if name else ""
        self.neurons = [Neuron(nin, name=f"{sub}{j}", **kwargs) for j in range(nout)]

    @builds_without_gc
    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs. micrograd's: ReLU, linear last
    layer. ``act="tanh"``: the lecture's, tanh everywhere."""

    def __init__(self, nin, nouts, act=None, fused=False):
        sz = [nin] + list(nouts)
        last = len(nouts) - 1
        self.layers = [
            Layer(sz[i], sz[i + 1], name=str(i + 1), nonlin=i != last, act=act, fused=fused)
            for i in range(len(nouts))
        ]

    @builds_without_gc
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def with_graph(self, fused=True):
        """The same network on the same parameter Values (not copies), building the
        graph of a call with fused neuron sums (``fused=True``) or micrograd's: a
        loss's second order (``engine.curvature``) on the 8-times-smaller fused graph
        gives the numbers of the network the user trains."""
        twin = copy.copy(self)
        twin.layers = []
        for layer in self.layers:
            layer = copy.copy(layer)
            layer.neurons = [copy.copy(n) for n in layer.neurons]
            for n in layer.neurons:
                n.fused = fused
            twin.layers.append(layer)
        return twin

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
