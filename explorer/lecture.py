"""The lecture's neuron (chapter 6), built and labelled as the lecture builds it."""

from engine.data import lecture_neuron as _nodes


def lecture_neuron():
    """o = tanh(x1*w1 + x2*w2 + b) with x1=2, x2=0, w1=-3, w2=1, b=6.8813...: every
    node labelled (x1w1, x2w2, x1w1x2w2, n, o). Returns o, before any backward()."""
    return _nodes()["o"]
