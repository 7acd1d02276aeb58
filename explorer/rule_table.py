"""The rule table as a reader sees it: one line per primitive, made from the table.

``markdown()`` is docs/functions.md's table of primitives (a test holds the page to it,
so the two cannot drift): each rule's function, its math, its local derivatives in
the chain-rule view (``out`` is the node's own value), and its convention at kinks.
"""

import sympy

from engine import RULES
from engine.rules import BUILTIN, SYM
from explorer._common import pretty

_INPUTS = {1: ["x"], 2: ["a", "b"]}


def _derivatives(rule):
    if rule.arity is None:
        return "∂/∂b = 1, ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ"
    xs = sympy.symbols(_INPUTS[rule.arity], real=True)
    extra = (sympy.Symbol("k"),) if rule.name == "**k" else ()
    out = sympy.Symbol("out")
    ds = rule.partials(SYM, out, *xs, *extra)
    return ", ".join(f"∂/∂{x} = {pretty(sympy.sympify(d))}" for x, d in zip(xs, ds))


def _called(rule):
    if rule.function:
        names = [rule.function, *rule.aliases]
        args = ", ".join(_INPUTS[rule.arity])
        return " / ".join(f"`{n}({args})`" for n in names)
    return {
        "+": "`a + b`",
        "*": "`a * b`",
        "**k": "`x ** k`",
        "**": "`a ** b`",
        "affine": "`affine(b, ws, xs)`",
    }[rule.name]


def markdown(names=BUILTIN):
    """The table of primitives, in the rule table's order."""
    lines = [
        "| primitive | op | math | local derivatives (`out` = the node's value) | at a kink |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        r = RULES[name]
        kink = r.at_kink or ("—" if r.kink is None else "")
        cells = [_called(r), f"`{r.name}`", r.math, _derivatives(r), kink]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
