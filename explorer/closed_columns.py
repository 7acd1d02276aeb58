"""The closed-form and oracle columns of ``check()``, kept per root.

For each checked node v: the closed form is ``v.grad_expr`` (the engine's symbolic
sweep, expanded in the variables); the oracle is ``sympy.diff(root.expr, v.symbol)``
(for an intermediate node, v replaced by a fresh symbol z, and d root/d z put back
at z = v). Both are symbolic and slow, so each is built once per root and kept as a
compiled tape (``engine.evaluate.compile_exprs``), which a second check of the same
graph after its leaves moved only evaluates again. Whether to build them is decided
by sizes, never by waiting: the closed forms by the work the engine's sweep does
(``closed_form_work``), the oracle by the expression's size as a tree; a column left
out gets its reason in ``skipped``.
"""

import weakref

import sympy

import engine
from engine.evaluate import compile_exprs
from explorer._common import (
    MAX_CHAIN,
    MAX_CLOSED_WORK,
    MAX_ORACLE_DEPTH,
    MAX_SYMBOLIC,
    closed_form_why,
    depth,
    symbolic_budget,
    tree_sizes,
)

MAX_ORACLE_WORK = 20_000  # expression size x nodes: sympy.diff's cost, about 1 s at the limit

_PLANS = weakref.WeakKeyDictionary()  # root -> _Plan; a plan holds no node, so no leak


class _Plan:
    """What check() keeps per root: the compiled closed forms and oracle derivatives
    (by position in the topological order) and the expression's size."""

    def __init__(self, key, order, too_big, closed_why):
        self.key, self.too_big, self.closed_why = key, too_big, closed_why
        self.tree, self.depth = tree_sizes(order)[order[-1]], depth(order)
        self.closed, self.oracle = {}, {}  # index -> (compiled fn, output position)


def plan(root, order, variables, max_symbolic):
    key = (len(order), tuple(v.label for v in variables), max_symbolic)
    plan = _PLANS.get(root)
    if plan is None or plan.key != key:
        # max_symbolic= raises both size limits alike (the chain's is 12.5x the tree's)
        too_big = symbolic_budget(order, max_symbolic, MAX_CHAIN * max_symbolic // MAX_SYMBOLIC)
        plan = _PLANS[root] = _Plan(key, order, too_big, _closed_why(order, max_symbolic))
    return plan


def _closed_why(order, max_symbolic):
    """Why the closed forms would take too long here, or None: decided by the work
    the engine's sweep and expansion do on this graph (``closed_form_work``), not by
    the size of the expression written out as a tree, which for a network's loss is
    thousands of times larger than what is built."""
    return closed_form_why(order, MAX_CLOSED_WORK * max_symbolic // MAX_SYMBOLIC)


def _oracle_expr(order, index, v):
    """d root/d v by sympy.diff: v becomes a fresh symbol z in root's expression
    (the rule table's forward, run symbolically), and z is put back as v's expr."""
    if v.is_variable:
        return engine.oracle(order[-1], v)
    z = sympy.Dummy("z", real=True)
    return sympy.diff(engine.expr_with(order[-1], {v: z}), z).xreplace({z: v.expr})


def _compile(table, wanted, make_exprs, symbols):
    missing = [i for i in wanted if i not in table]
    if missing:
        fn = compile_exprs(make_exprs(missing), symbols)
        for pos, i in enumerate(missing):
            table[i] = (fn, pos)


def _evaluate(table, wanted, values):
    results, out = {}, {}
    for i in wanted:
        fn, pos = table[i]
        if id(fn) not in results:
            results[id(fn)] = fn(values)
        out[i] = results[id(fn)][pos]
    return out


def columns(root, order, index, plan, targets, variables, skipped, limits):
    """The closed-form and oracle columns: {index: value}, each, or skipped with a reason."""
    closed, oracle = {}, {}
    wanted = [index[v] for v in targets]
    if plan.closed_why:
        why = f"{plan.closed_why}; pass max_symbolic= to try anyway"
        skipped["closed_form"] = skipped["oracle"] = why
        return closed, oracle
    values = [v.data for v in variables]
    try:
        symbols = [v.symbol for v in variables]
        _compile(plan.closed, wanted, lambda ix: [order[i].grad_expr for i in ix], symbols)
        closed = _evaluate(plan.closed, wanted, values)
    # Two nodes named alike, an expression too deep for SymPy's printers...: the
    # report says why these columns are missing instead of failing the whole check.
    except Exception as e:
        skipped["closed_form"] = skipped["oracle"] = _why(e)
        return closed, oracle
    todo = [i for i in wanted if i not in plan.oracle]
    if todo and plan.too_big:  # sympy.diff works on the expression written out as a tree
        skipped["oracle"] = f"{plan.too_big}; pass max_symbolic= to try anyway"
        return closed, oracle
    if todo and plan.depth > MAX_ORACLE_DEPTH:
        skipped["oracle"] = (
            f"the expression is nested {plan.depth} operations deep (limit "
            f"{MAX_ORACLE_DEPTH}): sympy.diff would take too long"
        )
        return closed, oracle
    work = plan.tree * len(todo)
    if work > limits["max_oracle_work"]:
        skipped["oracle"] = (
            f"sympy.diff of a {plan.tree:,}-operation expression for {len(todo)} nodes "
            f"would take too long (work {work:,}, limit {limits['max_oracle_work']:,}): "
            "check fewer nodes (nodes=[...]) or pass max_oracle_work="
        )
        return closed, oracle
    try:
        _compile(
            plan.oracle,
            wanted,
            lambda ix: [_oracle_expr(order, index, order[i]) for i in ix],
            symbols,
        )
        oracle = _evaluate(plan.oracle, wanted, values)
    except Exception as e:
        skipped["oracle"] = _why(e)
    return closed, oracle


def _why(e):
    msg = " ".join(str(e).split())
    return msg if isinstance(e, ValueError) and msg else f"{type(e).__name__}: {msg}"
