"""Bug injection, for teaching: backprop with one wrong derivative rule.

The lecture's two backward bugs are about how a rule's local derivative meets
the upstream gradient g, not about the derivative itself:

- ``"tanh-precedence"``: ``x.grad += 1 - t**2 * g`` instead of
  ``x.grad += (1 - t**2) * g`` (t = tanh x). Right while g == 1, so it goes
  unnoticed on a lone neuron and breaks training later.
- ``"assign-not-accumulate"``: ``x.grad = d * g`` instead of ``x.grad += d * g``.
  A node used twice (``a + a``) keeps only its last contribution.

Our engine has no per-node ``_backward`` closure: the step multiplies each
rule's local partial by g itself. So neither bug can be written as a wrong
entry of the rule table, and a wrong entry would be wrong for the symbolic
sweep too (the closed form would agree with the bug). Instead, inside
``with inject_bug(op, kind):`` the engine's explicit hook ``backward_step`` puts a
teaching step in place of the rule table's, node by node: the engine's, except
at nodes made by ``op``, where the buggy contribution is applied. The closed
form, the oracle and the finite difference are untouched, which is how ``check``
catches it. On exit (even by an exception) the engine's
step is back.

A custom bug is a function ``fn(m, g, out, xs, k) -> contributions``: ``m`` is
the numeric math namespace (``m.exp``, ``m.tanh``...), ``g`` the node's grad,
``out`` its data, ``xs`` its inputs' data, ``k`` its constant exponent (or None);
it returns one number per input, added to that input's grad. ``op`` is a rule
name (``engine.RULES``: ``'+' '*' '**k' 'tanh' 'ReLU' 'sin'``...), a list of them,
or ``"all"`` (the lecture's ``=`` bug was in every op).
"""

import contextlib

from engine import RULES, DomainError
from engine.local import rule_args
from engine.rules import NUM
from engine.value import backward_step

_ALIASES = {"relu": "ReLU", "**2": "**k", "pow": "**k"}


def _tanh_precedence(m, g, out, xs, k):
    return (1 - out**2 * g,)  # the notes' bug: (1 - t**2) * g without the parentheses


BUGS = {
    "tanh-precedence": ("tanh", _tanh_precedence),
    "assign-not-accumulate": (None, None),  # any op: the right partials, assigned
}


def _ops(op):
    if op == "all":
        return frozenset(RULES)
    names = [op] if isinstance(op, str) else list(op)
    out = set()
    for name in names:
        name = _ALIASES.get(name, name)
        if name not in RULES:
            raise ValueError(f"unknown op {name!r}: one of {', '.join(RULES)}, or 'all'")
        out.add(name)
    return frozenset(out)


def _teaching_step(ops, contribute, assign):
    def step(self):
        """The engine's step at this node, with the injected bug at the chosen ops."""
        prev, g = self.inputs, self.grad
        if not prev:
            return
        buggy = self.rule is not None and self.rule.name in ops
        if buggy and contribute is not None:
            args = rule_args(self)
            xs, k = args[: len(prev)], (args[len(prev)] if len(args) > len(prev) else None)
            try:
                ds = contribute(NUM, g, self.data, xs, k)
            except ArithmeticError:
                raise DomainError(f"no derivative of {self.op} at {xs}") from None
        else:
            ds = [d * g for d in self.local_grads()]
        if buggy and assign:
            for c, d in zip(prev, ds):
                c.grad = d
        else:
            for c, d in zip(prev, ds):
                c.grad += d

    return step


@contextlib.contextmanager
def inject_bug(op, kind_or_function):
    """Within the block, backward() applies a wrong rule at nodes made by ``op``.

    ``kind_or_function``: ``"tanh-precedence"`` (op must be ``"tanh"``),
    ``"assign-not-accumulate"``, or ``fn(m, g, out, xs, k) -> contributions``."""
    if callable(kind_or_function):
        contribute, assign = kind_or_function, False
    elif kind_or_function in BUGS:
        only, contribute = BUGS[kind_or_function]
        assign = kind_or_function == "assign-not-accumulate"
        if only is not None and op != only:
            raise ValueError(f"the {kind_or_function!r} bug is tanh's: use op={only!r}")
    else:
        raise ValueError(
            f"unknown bug {kind_or_function!r}: one of {', '.join(BUGS)}, "
            "or a function fn(m, g, out, xs, k) -> contributions"
        )
    with backward_step(_teaching_step(_ops(op), contribute, assign)):
        yield
