"""The floor of per-node Python: a minimal scalar autodiff engine for chapter 14.

Measured beside micrograd and the engine (``bench_training.py``) to show how fast any
engine written in Python can train the lecture's tiny network: no rule table, no
domain or overflow checks, no formulas, no closures (so no reference cycles), the math
of the four ops the network uses written inline, and the engine's iterative
topological sort (micrograd's order). The graph has micrograd's shapes node for node,
so it computes the same losses. Nothing else uses it.
"""

import math


class Value:
    __slots__ = ("data", "grad", "a", "b", "op")

    def __init__(self, data, a=None, b=None, op=0):
        self.data, self.grad, self.a, self.b, self.op = data, 0.0, a, b, op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, self, other, 1)

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, self, other, 2)

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __pow__(self, k):  # k == 2 in chapter 14
        return Value(self.data**k, self, None, 3)

    def tanh(self):
        return Value(math.tanh(self.data), self, None, 4)

    def backward(self):
        order, seen, stack, v = [], set(), [], self
        while True:
            if v not in seen:
                seen.add(v)
                if v.a is not None:
                    stack += (v, None) if v.b is None else (v, None, v.b)
                    v = v.a
                    continue
                order.append(v)
            while stack:
                v = stack.pop()
                if v is not None:
                    break
                order.append(stack.pop())
            else:
                break
        self.grad = 1.0
        for v in reversed(order):
            op, a, g = v.op, v.a, v.grad
            if op == 1:
                a.grad += g
                v.b.grad += g
            elif op == 2:
                a.grad += v.b.data * g
                v.b.grad += a.data * g
            elif op == 3:
                a.grad += 2 * a.data * g
            elif op == 4:
                a.grad += (1 - v.data**2) * g
