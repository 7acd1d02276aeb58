"""PyTorch's twin of the rule table's math namespace: ``rule.forward(TORCH, *tensors)``
is that rule in PyTorch, so every rule, present and future, gets its twin from the
table. Nothing is listed here: each name is what its declaration says PyTorch calls
it (``Rule.torch``, else NumPy's name, else its own: ``torch.arcsinh``), or the
composite the declaration gives over this same namespace where PyTorch has none
(softplus's stable terms, heaviside with h0 a number). A test holds this namespace to
``engine.rules.NUM``, name for name."""

import torch

from engine.rules import HELPERS, NAMESPACE, NUM


def _resolve(name, spelling):
    if callable(spelling):  # a composite over the namespace
        return lambda *xs: spelling(TORCH, *xs)
    if isinstance(spelling, str):
        fn = getattr(torch, spelling, None)
        if fn is None:
            raise AttributeError(f"{name}: PyTorch has no torch.{spelling}")
        return fn
    return spelling  # a constant (pi, e)


class _Twin:
    """Looks each name up in the table on first use, so a function declared at run
    time has its twin too."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in HELPERS:
            spelling = HELPERS[name][2]
        elif name in NAMESPACE:
            rule = NAMESPACE[name]
            spelling = rule.torch or rule.numpy or rule.function
        else:
            raise AttributeError(f"the math namespace has no {name!r}")
        return _resolve(name, spelling)

    def __dir__(self):
        return sorted(vars(NUM))


TORCH = _Twin()


def mlp_twin(model):
    """A PyTorch function of a flat float64 tensor of ``model.parameters()`` (in their
    order: per neuron its weights, then its bias) computing the model on a batch
    ``X`` (samples x inputs): the engine's MLP, vectorised, for Hessians of losses."""
    shapes = [(len(layer.neurons), len(layer.neurons[0].w)) for layer in model.layers]
    acts = [layer.neurons[0].act for layer in model.layers]

    def forward(flat, X):
        h, at = X, 0
        for (rows, cols), act in zip(shapes, acts):
            block = flat[at : at + rows * (cols + 1)].reshape(rows, cols + 1)
            at += rows * (cols + 1)
            h = h @ block[:, :cols].T + block[:, cols]
            h = torch.relu(h) if act == "relu" else torch.tanh(h) if act == "tanh" else h
        return h[:, 0]

    return forward
