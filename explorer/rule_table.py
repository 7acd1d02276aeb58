"""The rule table as a reader sees it: one line per primitive, made from the table.

``markdown()`` is docs/functions.md's table of functions (a test holds the page to
it, so the two cannot drift): each rule's names, its math, its local derivatives in
the chain-rule view (``out`` is the node's own value; a composite shows what it is
made of), and its convention at kinks and jumps. ``python -m explorer.rule_table``
writes it into the page.
"""

from pathlib import Path

import sympy

from engine import RULES
from engine.rules import BUILTIN, SYM
from explorer._common import pretty

_INPUTS = {1: ["x"], 2: ["a", "b"]}


def _derivatives(rule):
    if rule.arity is None:
        return "∂/∂b = 1, ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ"
    xs = sympy.symbols(_INPUTS[rule.arity], real=True)
    if rule.composite:
        return f"a composite, {pretty(sympy.sympify(rule.forward(SYM, *xs)))}: its nodes' own"
    extra = (sympy.Symbol("k"),) if rule.name == "**k" else ()
    out = sympy.Symbol("out")
    ds = rule.partials(SYM, out, *xs, *extra)
    return ", ".join(f"∂/∂{x} = {pretty(sympy.sympify(d))}" for x, d in zip(xs, ds))


def _called(rule):
    if rule.function:
        names = rule.names
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
        "| function | op | math | local derivatives (`out` = the node's value) "
        "| at a kink or jump |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        r = RULES[name]
        kink = r.at_kink or ("—" if r.kink is None else "")
        cells = [_called(r), f"`{r.name}`", r.math, _derivatives(r), kink]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


START, END = "<!-- functions -->\n", "\n<!-- /functions -->"
PAGE = Path(__file__).resolve().parent.parent / "docs" / "functions.md"


def _span(text):
    start = text.index(START) + len(START)
    return start, text.index(END, start - 1)


def table_in(text):
    """The table between the markers of a page."""
    start, end = _span(text)
    return text[start:end]


def write(path=PAGE):
    """Write the table into the page, between its markers."""
    text = path.read_text(encoding="utf-8")
    start, end = _span(text)
    path.write_text(text[:start] + markdown() + text[end:], encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
