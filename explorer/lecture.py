"""The lecture's neuron (chapter 6), built and labelled as the lecture builds it."""

from engine import Value

B = 6.8813735870195432  # chosen so that n = 0.8813..., o = 1/sqrt(2)


def lecture_neuron():
    """o = tanh(x1*w1 + x2*w2 + b) with x1=2, x2=0, w1=-3, w2=1: every node labelled
    (x1w1, x2w2, x1w1x2w2, n, o). Returns o, before any backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B, label="b")
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
    return o
