"""``Exercise(root)``: the student does backprop by hand and is checked, node by node.

As in the lecture's chapters 4 to 8, the student goes from the output back and
writes either
- each node's gradient, a number (``kind="grads"``): d root/d node;
- or each local derivative, a formula (``kind="locals"``): d out/d input on every
  edge, in the names of the graph's nodes (``1 - o**2`` at a tanh ``o = tanh(n)``).

A formula is read by the project's parser (``explorer.parse``: an ``ast``
whitelist, never ``eval`` or ``sympify``) into an expression of the node names.
A gradient is judged by its closed form (the symbolic sweep's d root/d node,
evaluated at the current values), backward()'s number past SymPy's budget.
A formula is right when it equals the closed form (the rule table's partial) both
symbolically, with the node's own name standing for its formula (``1 - o**2``,
``1 - tanh(n)**2`` and ``(1-o)*(1+o)`` are all right), and as a number at the
current values. A number is right when it equals backprop's to its typed digits.

A wrong answer gets a diagnosis where one fits (``explorer.diagnosis``): the sign
flipped, the upstream gradient left out, the derivative of the wrong function, a
constant factor off, only one contribution of a node used twice, the input's
gradient confused with the output's. Nothing is revealed unless asked for:
``hint(item)`` says how to get there, ``reveal(item)`` gives the answer; both
are counted in the ``score``. Bad input (a parse error, an unknown name, text past
the parser's limits) is a ``Feedback`` with ``error`` set: the exercise goes on.
"""

import math
import re
from dataclasses import dataclass

import sympy

from engine import chain_exprs, local_forward, local_partials
from engine.symbolic import exact, symbol
from explorer._common import graph, name_of, pretty, symbolic_budget
from explorer.backprop import MAX_NODES, fmt, formula
from explorer.diagnosis import close as _close
from explorer.diagnosis import diagnose_formula, diagnose_number
from explorer.diagnosis import equivalent as _equivalent
from explorer.parsing import ParseError, names, parse

KINDS = ("grads", "locals")


@dataclass
class Item:
    """One blank to fill: a node's grad (``input`` None) or the local derivative
    ``∂output/∂input`` on one edge (``slot``: which of output's inputs)."""

    key: str
    node: object  # the node whose grad it is, or the edge's input
    output: object = None
    slot: int = 0
    truth: float = 0.0
    expr: object = None  # the local derivative (locals), SymPy in node symbols
    attempts: int = 0
    correct: bool = False
    hinted: bool = False
    revealed: bool = False

    @property
    def done(self):
        return self.correct or self.revealed


@dataclass(frozen=True)
class Feedback:
    """What an answer gets: ``correct``, a ``diagnosis`` (empty when right or when
    none fits), a ``hint`` (how to get there; the panel shows it only on request),
    ``error`` (the input could not be read: one line; nothing was judged)."""

    item: str
    correct: bool
    diagnosis: str = ""
    hint: str = ""
    error: str = ""
    value: float | None = None  # the answer's number at the current values

    def __str__(self):
        if self.error:
            return f"{self.item}: {self.error}"
        if self.correct:
            return f"{self.item}: right"
        return f"{self.item}: not right" + (f": {self.diagnosis}" if self.diagnosis else "")


@dataclass(frozen=True)
class Score:
    right: int  # right at the first try, without hint or answer
    done: int
    total: int
    attempts: int
    hints: int
    revealed: int

    def __str__(self):
        def n(k, word):
            return f"{k} {word}{'' if k == 1 else 's'}"

        return (
            f"{self.right} of {self.total} right at the first try; {self.done} of "
            f"{self.total} done, {n(self.attempts, 'answer')}, {n(self.hints, 'hint')}, "
            f"{n(self.revealed, 'answer')} shown"
        )


def _tolerance(text):
    """How close a typed number must be: within half a unit of its last digit (a
    student types 0.7071 for 1/√2), never looser than 5%, never tighter than 1e-9."""
    m = re.fullmatch(r"\s*[-+−]?\d*\.?(\d*)(?:[eE]([-+]?\d+))?\s*", text)
    if not m:
        return 0.0
    decimals = len(m.group(1)) - int(m.group(2) or 0)
    return 0.5 * 10.0**-decimals


class Exercise:
    """Backprop by hand, checked (see the module docstring).

    ``.items`` in backward order; ``.current`` the first not done; ``.answer(item,
    answer)`` -> ``Feedback``; ``.hint(item)``, ``.reveal(item)`` -> text;
    ``.score``. ``item``: a node, a label/name, an ``Item`` or its key (``∂o/∂n``);
    in ``locals`` a node means the first edge not done into it."""

    def __init__(self, root, kind="grads", max_nodes=MAX_NODES):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        order, _ = graph(root)
        if len(order) > max_nodes:
            raise ValueError(
                f"the graph has {len(order):,} nodes, more than {max_nodes} for an exercise: "
                "choose a part of it (an inner node)"
            )
        self.root, self.kind, self.order = root, kind, order
        self.names = {v: name_of(v) for v in order}
        self._grads, self._uses = _backprop(root, order)
        self._chain = None
        if kind == "grads" and symbolic_budget(order, expand=False) is None:
            self._chain = chain_exprs(root)
        self.items = self._make_items()
        if not self.items:
            raise ValueError("the graph has nothing to differentiate: no inputs to go back to")

    def _closed_form(self, v):
        """(the number a grad is judged by, its closed form): d root/d v from the
        symbolic sweep (chain-rule view), evaluated at the nodes' current values to
        30 digits; backward()'s number where the graph is too large for SymPy."""
        if self._chain is None:
            return self._grads[v], None
        e = self._chain[v]
        at = {symbol(n): sympy.Rational(n.data) for n in self.order if not n.is_constant}
        try:
            return float(sympy.sympify(e).xreplace(at).evalf(30)), e
        except (TypeError, ValueError, ArithmeticError):
            return self._grads[v], e

    def _make_items(self):
        items, rname = [], self.names[self.root]
        for v in reversed(self.order):
            if self.kind == "grads":
                if v is not self.root and not v.is_constant:
                    key = f"∂{rname}/∂{self.names[v]}"
                    truth, closed = self._closed_form(v)
                    items.append(Item(key, v, truth=truth, expr=closed))
            elif v.inputs:
                for j, (c, d, e) in enumerate(zip(v.inputs, v.local_grads(), local_partials(v))):
                    if c.is_constant:
                        continue
                    key = f"∂{self.names[v]}/∂{self.names[c]}"
                    if any(it.key == key for it in items):  # b = a + a: the second edge
                        key += f" (use {sum(it.key.startswith(key) for it in items) + 1})"
                    items.append(Item(key, c, v, j, d, sympy.sympify(e)))
        return items

    # -- finding an item -------------------------------------------------------
    @property
    def current(self):
        """The first item not done yet (None when all are)."""
        return next((it for it in self.items if not it.done), None)

    def item(self, which):
        """The item named by a node, a node's name, an ``Item`` or an item's key."""
        if isinstance(which, Item):
            return which
        if isinstance(which, str):
            for it in self.items:
                if which in (it.key, it.key.replace("∂", "d")):
                    return it
            nodes = [v for v, n in self.names.items() if n == which]
            if not nodes:
                raise KeyError(f"no node or blank named {which!r}: the blanks are "
                               + ", ".join(it.key for it in self.items[:8]))  # fmt: skip
            which = nodes[0]
        mine = [it for it in self.items if it.node is which]
        if not mine:
            raise KeyError(f"node {self.names.get(which, which)!r} has no blank to fill here")
        return next((it for it in mine if not it.done), mine[0])

    # -- judging ---------------------------------------------------------------
    def answer(self, which, answer):
        """Judge ``answer`` (a number, or text: a number or a formula) for the item;
        returns ``Feedback``. An answer that cannot be read is not counted."""
        try:
            it = self.item(which)
        except KeyError as e:
            return Feedback(str(which), False, error=str(e.args[0]))
        try:
            fb = self._judge(it, answer)
        except (ParseError, ValueError, TypeError, ArithmeticError) as e:
            line = str(e).splitlines()[0] if str(e) else type(e).__name__
            return Feedback(it.key, False, error=line, hint=self._hint(it))
        it.attempts += 1
        if fb.correct and not it.revealed:
            it.correct = True
        return fb

    def _judge(self, it, answer):
        if self.kind == "grads":
            x, tol = _number(answer)
            right = _close(x, it.truth, tol)
            diagnosis = "" if right else diagnose_number(self, it, x, tol)
            return Feedback(it.key, right, diagnosis, self._hint(it), value=x)
        e, x = self._formula(it, answer)
        truth_e = self._local_form(it, it.expr)
        right = _close(x, it.truth, 1e-9) and _equivalent(e, truth_e, self._point(it))
        if not right and not e.free_symbols and _close(x, it.truth, 1e-9):
            allowed = ", ".join(self._names_for(it))
            diagnosis = f"the right number at these values; the formula is asked (in {allowed})"
        else:
            diagnosis = "" if right else diagnose_formula(self, it, e, x)
        return Feedback(it.key, right, diagnosis, self._hint(it), value=x)

    def _formula(self, it, answer):
        """The student's formula: (SymPy expression with the output's own name
        replaced by its formula, its number at the current values)."""
        if not isinstance(answer, str) or not names(answer):  # a number alone
            x, _ = _number(answer)
            return exact(x), x
        allowed = self._names_for(it)
        found = names(answer)
        unknown = [n for n in found if n not in allowed]
        if unknown:
            raise ParseError(f"unknown name {unknown[0]!r}: use {', '.join(allowed)}")
        v = parse(answer, **{n: allowed[n].data for n in found})
        syms = {sympy.Symbol(n, real=True): symbol(allowed[n]) for n in found}
        e = v.expr.xreplace(syms)
        return self._local_form(it, e), v.data

    def _names_for(self, it):
        """The names a local derivative may use: the edge's output and its inputs."""
        nodes = [it.output, *it.output.inputs]
        return {self.names[n]: n for n in nodes if not n.is_constant}

    def _local_form(self, it, e):
        """e with the output's symbol replaced by its formula in the inputs' symbols."""
        v = it.output
        return sympy.sympify(e).xreplace({symbol(v): local_forward(v)})

    def _point(self, it):
        return {symbol(c): c.data for c in it.output.inputs if not c.is_constant}

    # -- help ------------------------------------------------------------------
    def _hint(self, it):
        if self.kind == "locals":
            v = it.output
            return (
                f"{self.names[v]} = {formula(v, name_of)}: differentiate it by "
                f"{self.names[it.node]} alone, the other inputs held fixed"
                + (
                    f" (the rule's derivative may be written in the output {self.names[v]} itself)"
                    if len(v.inputs) == 1
                    else ""
                )  # fmt: skip
            )
        users = [v for v in self.order if it.node in v.inputs]
        parts = [f"∂{self.names[v]}/∂{self.names[it.node]} · {self.names[v]}.grad" for v in users]
        uses = sum(1 for v in users for c in v.inputs if c is it.node)
        twice = f" ({self.names[it.node]} is used {uses} times: add every use)" if uses > 1 else ""
        return f"{self.names[it.node]}.grad = " + " + ".join(parts) + twice

    def hint(self, which):
        """How to get the item's answer, without the answer (counted in the score)."""
        it = self.item(which)
        it.hinted = True
        return self._hint(it)

    def reveal(self, which):
        """The item's answer (counted in the score: the item is done, not right)."""
        it = self.item(which)
        it.revealed = True
        if self.kind == "grads":
            if it.expr is not None and not sympy.sympify(it.expr).is_Number:
                return f"{it.key} = {pretty(sympy.sympify(it.expr))} = {fmt(it.truth)}"
            return f"{it.key} = {fmt(it.truth)}"
        return f"{it.key} = {pretty(it.expr)} = {fmt(it.truth)}"

    @property
    def score(self):
        items = self.items
        return Score(
            right=sum(it.correct and it.attempts == 1 and not it.hinted for it in items),
            done=sum(it.done for it in items),
            total=len(items),
            attempts=sum(it.attempts for it in items),
            hints=sum(it.hinted for it in items),
            revealed=sum(it.revealed for it in items),
        )

    @property
    def finished(self):
        return all(it.done for it in self.items)


def _backprop(root, order):
    """Every node's d root/d node by backward()'s own sweep, without touching the
    graph's grads; and each node's contributions [(output, local, upstream)]."""
    grads = dict.fromkeys(order, 0.0)
    uses = {v: [] for v in order}
    grads[root] = 1.0
    for v in reversed(order):
        if v.inputs:
            for c, d in zip(v.inputs, v.local_grads()):
                grads[c] += d * grads[v]
                uses[c].append((v, d, grads[v]))
    return grads, uses


def _number(answer):
    """(float, tolerance) of a typed number; ParseError naming what is wrong."""
    if isinstance(answer, bool):
        raise TypeError("a grad is a number, got a bool")
    if isinstance(answer, (int, float)):
        x, text = float(answer), repr(float(answer))
    elif isinstance(answer, str):
        text = answer.strip().replace("−", "-")
        if not text:
            raise ParseError("type a number")
        try:
            x = float(text)
        except ValueError:
            why = f"{text[:40]!r} is not a number (a grad is a number, e.g. -1.5)"
            raise ParseError(why) from None
    else:
        raise TypeError(f"an answer is a number or text, got {type(answer).__name__}")
    if not math.isfinite(x):
        raise ParseError(f"{text} is not a finite number")
    return x, _tolerance(text)


__all__ = ["KINDS", "Exercise", "Feedback", "Item", "Score"]
