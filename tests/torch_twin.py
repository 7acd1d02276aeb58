"""PyTorch's twin of the rule table's math namespace: ``rule.forward(TORCH, *tensors)``
is that rule in PyTorch, so every rule, present and future, gets its twin from the
table (a test holds this namespace to ``engine.rules.NUM``, name for name)."""

import math
from types import SimpleNamespace

import torch

TORCH = SimpleNamespace(
    exp=torch.exp,
    log=torch.log,
    sqrt=torch.sqrt,
    sin=torch.sin,
    cos=torch.cos,
    tan=torch.tan,
    atan=torch.atan,
    sinh=torch.sinh,
    cosh=torch.cosh,
    tanh=torch.tanh,
    abs=torch.abs,
    sign=torch.sign,
    heaviside=lambda x, h0: torch.heaviside(x, torch.tensor(float(h0), dtype=x.dtype)),
    max=torch.maximum,
    min=torch.minimum,
    relu=torch.relu,
    sigmoid=torch.sigmoid,
    # torch's softplus turns linear past its threshold (20): exact to float64 at 50
    softplus=lambda x: torch.nn.functional.softplus(x, threshold=50),
    pi=math.pi,
    e=math.e,
)


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
