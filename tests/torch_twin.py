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
    atan_slope=lambda x: 1 / (1 + x**2),  # atan's slope: torch differentiates atan itself
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
