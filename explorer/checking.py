"""``check(root)``: backprop against three independent answers, node by node.

For each checked node v (the variables, every node, or a list) with ``root``'s
last ``backward()`` behind it:

- ``grad``: ``v.grad`` exactly as backprop left it. ``check`` never calls
  ``backward()`` or ``zero_grad()``, so a forgotten ``zero_grad`` or a broken
  derivative rule shows up as disagreement instead of being repaired.
- ``closed_form``: the value of ``v.grad_expr`` (the engine's symbolic sweep,
  expanded in the variables) at the leaves' current data.
- ``oracle``: the value of ``sympy.diff(root.expr, v.symbol)``. For an
  intermediate node, ``v`` is replaced by a fresh symbol z in root's expression,
  and ``d root/d z`` is evaluated at z = v.
- ``finite_diff``: ``(f(v + h) - f(v - h)) / 2h`` with the step and error bound of
  ``explorer.difference`` (an intermediate node is held at the nudged value and
  only what follows it moves), for every checked node at once: the graph is
  evaluated over NumPy arrays, one column per nudged point (``explorer.batched``).
  The graph's data and grads are never changed.

One more line checks the whole gradient: ``u · ∇f`` (backprop's grads) against the
central difference of f along a random ±1 direction u (``report.direction``). The
report says how many nodes each column covered and how many rows its table shows
(the 60 worst past 60). When backprop's grads hold more than one ``backward()`` pass
(``engine.graph.passes``: ``zero_grad()`` forgotten, the lecture's chapter 14 bug),
the summary says which and what to do.

Where floats make the verdict hard (``explorer.verdicts``): at a kink backprop is
held to the closed form's subgradient, not to any slope between the sides; a
finite difference too uncertain to tell right from wrong is left out with a note;
underflow in the graph brings a 50-digit column (``precise``) or a 'doubtful'.

Relative error ``|a - b| / max(|a|, |b|, floor)``, taken between ``grad`` and
each reference; the row's ``rel_error`` is the worst of them. The floor keeps a
true zero from reading as a 100% error: 1e-8 against the exact references, 1e-6
against the finite difference (whose own rounding and truncation error at
h = 1e-5 is about 1e-11 to 1e-10). Bands (CS231n's): <= 1e-7 good, <= 1e-4 ok,
<= 1e-2 doubtful, worse (or nan) wrong.

What is symbolic and slow (the gradients' closed forms, the oracle's
``sympy.diff``) is ``explorer.closed_columns``: done once per root and kept as
compiled tapes, so a second check of the same graph after its leaves moved takes
milliseconds. On a graph too large for SymPy or for finite differences, the report
says which columns it skipped and why (``report.skipped``), decided by sizes, never
by waiting.
"""

import math
import random

from engine import DomainError
from engine.graph import PASSES, passes
from explorer import closed_columns, verdicts
from explorer._common import MAX_SYMBOLIC, backward_root, graph, name_of, require_backward
from explorer.batched import differences
from explorer.report import AGREE, BANDS_OK, CheckReport, CheckRow, Direction, verdict
from explorer.target import resolve_with_grads

# node evaluations for the finite differences (a batched pass over n nodes at c points
# counts n c): micrograd's moons loss, 537 variables, takes about 150 million
MAX_FD_WORK = 1_000_000_000
FLOOR_EXACT = 1e-8
EPS = 2.0**-52


def _targets(nodes, order, index):
    if nodes == "variables":
        return [v for v in order if v.is_variable]
    if nodes == "all":
        return list(order)
    if isinstance(nodes, str) or not hasattr(nodes, "__iter__"):
        raise ValueError(f"nodes must be 'variables', 'all' or a list of Values, got {nodes!r}")
    out = []
    for v in nodes:
        if v not in index:
            raise ValueError(f"node {v!r} is not in this graph")
        if v not in out:
            out.append(v)
    return out


def _finite_diffs(root, order, index, targets, h, skipped, notes, limits):
    """A difference per target, all of them from batched evaluations of the graph
    (``explorer.batched``: one pass per step size, each difference's own search),
    and the whole gradient's along a random direction (a ``Direction``, or None).
    The budget counts node evaluations, a pass over n nodes at c points being n c:
    past it, an evenly spread sample of the targets, and the report says so."""
    budget = limits["max_fd_work"]
    variables = [v for v in order if v.is_variable and backward_root(v) is root]
    chosen = targets
    per = 4 * len(order)  # a first batch costs 4 points per target over the graph
    if per * (len(targets) + 1) > budget:
        k = max(1, budget // per - 1)
        picks = sorted({round(j * (len(targets) - 1) / max(1, k - 1)) for j in range(k)})
        chosen = [targets[j] for j in picks]
    u = _direction(len(variables))
    found, along, _ = differences(order, index, chosen, h, (variables, u) if variables else None)
    out = {}
    for i, d in found.items():
        if isinstance(d, DomainError):
            notes[i] = f"no finite difference: {d}"
        else:
            out[i] = d
    if len(chosen) < len(targets):
        skipped["finite_diff"] = (
            f"computed for {len(chosen)} of {len(targets)} nodes only: a batch of 4 points "
            f"per node over {len(order):,} nodes is {per * (len(targets) + 1):,} node "
            f"evaluations (limit {budget:,}); pass nodes=[...] to choose which, or max_fd_work="
        )
    direction = None
    if variables:
        dot = math.fsum(c * v.grad for c, v in zip(u, variables))
        direction = Direction(len(variables), DIRECTION_SEED, dot, along)
    return out, direction


DIRECTION_SEED = 0


def _direction(n):
    """u: a random ±1 on each variable, the same every time (a fixed seed), so a
    report can be reproduced; every entry of size 1 moves each variable by the step."""
    rng = random.Random(DIRECTION_SEED)
    return [rng.choice((-1.0, 1.0)) for _ in range(n)]


def _gradient_sizes(order):
    """{node: the sum of the sizes of everything backprop added up into its grad}:
    the reverse sweep in absolute values. Backprop's grad is exact to about eps
    times this: (x*y)/x at y = 5e16 gives d/dx = 4.0, cancelling two terms of 3e16,
    where the truth is 0; that is float rounding, not a wrong rule."""
    size = {order[-1]: 1.0}
    for w in reversed(order):
        if w in size and w.inputs and w.rule is not None:
            try:
                ds = w.local_grads()
            except DomainError:
                continue
            for c, d in zip(w.inputs, ds):
                size[c] = size.get(c, 0.0) + size[w] * abs(d)
    return size


def _hard_cases(root, order, targets, fd, plan):
    """What the verdict needs at kinks and underflow (``explorer.verdicts``): the rule
    table's sweep in floats when some difference met a kink, the nodes that
    underflowed and, if any did, SymPy's derivatives at 50 digits."""
    kinks = any(d.kind == "kink" for d in fd.values())
    under = verdicts.underflowed(order)
    precise = verdicts.precise_grads(root, targets, plan.tree) if under else {}
    return {
        "table": verdicts.table_grads(order) if kinks else {},
        "under": under,
        "precise": precise,
    }


def _underflow(v, hard, errors, notes, i, floor):
    """Underflow spoils every exact column alike: compare with the 50-digit
    derivative, or, where there is none, say so and never read 'good'."""
    if not hard["under"]:
        return
    where = name_of(hard["under"][0])
    if v in hard["precise"]:
        errors["precise"] = _rel(v.grad, hard["precise"][v], floor)
        notes[i] = (
            f"underflow at node {where!r}: compared with the derivative at 50 digits "
            f"({hard['precise'][v]:.10g})"
        )
    else:
        errors["underflow"] = verdicts.UNTRUSTED  # 'doubtful': nothing exact to hold it to
        notes[i] = f"underflow at node {where!r}: the exact columns may share it, unverified"


def _rel(a, b, floor):
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return abs(a - b) / max(abs(a), abs(b), floor)


def check(
    target,
    *,
    h=1e-5,
    nodes="variables",
    max_symbolic=MAX_SYMBOLIC,
    max_oracle_work=closed_columns.MAX_ORACLE_WORK,
    max_fd_work=MAX_FD_WORK,
    **values,
):
    """Check every variable's (or every node's, ``nodes="all"``, or the listed
    nodes') backprop gradient against its closed form, SymPy's oracle and a
    finite difference (relative step from h, see ``explorer.difference``).

    ``target``: a graph's output after its ``backward()``, or an expression's text
    or a function of Values with the values as keywords (``check("sin(x)*y", x=1,
    y=2)``), built and backpropagated here. Returns a ``CheckReport``;
    ``report.ok`` says whether everything agrees."""
    if isinstance(h, bool) or not isinstance(h, int | float) or not (0 < h < math.inf):
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    root = resolve_with_grads(target, values, "check")
    order, index = graph(root)
    targets = _targets(nodes, order, index)
    skipped, notes = {}, {}
    require_backward(root, targets, "check")
    custom = [v for v in order if v.inputs and v.rule is None]
    if custom:  # made micrograd's way: the engine knows their backward, not their forward
        skipped["finite_diff"] = (
            f"node {name_of(custom[0])!r} (op {custom[0].op!r}) has no rule, so the graph "
            "cannot be recomputed; give the op a rule with engine.primitive"
        )
    else:
        root.forward()  # evaluate everything at the leaves' current data
    variables = [v for v in order if v.is_variable]
    plan = closed_columns.plan(root, order, variables, max_symbolic)
    limits = dict(
        max_symbolic=max_symbolic, max_oracle_work=max_oracle_work, max_fd_work=max_fd_work
    )
    closed, oracle = closed_columns.columns(
        root, order, index, plan, targets, variables, skipped, limits
    )
    sizes = _gradient_sizes(order)
    fd, direction = (
        ({}, None)
        if custom
        else _finite_diffs(root, order, index, targets, float(h), skipped, notes, limits)
    )

    hard = _hard_cases(root, order, targets, fd, plan)
    rows, left_out = [], 0
    for v in targets:
        i = index[v]
        d = fd.get(i)
        refs = {"closed_form": closed.get(i), "oracle": oracle.get(i)}
        for col, x in refs.items():
            if x is not None and math.isnan(x):
                refs[col] = None
                notes[i] = f"{col.replace('_', ' ')} undefined here"
        # backprop's own rounding (about 8 eps times what it added up) reads 'ok' (1e-4)
        floor = max(FLOOR_EXACT, 1e4 * 8 * EPS * sizes.get(v, 0.0))
        errors = {col: _rel(v.grad, x, floor) for col, x in refs.items() if x is not None}
        if d is not None:
            if why := verdicts.untrusted(d, v.grad):
                notes[i] = why
            else:
                errors["finite_diff"] = d.rel_error(v.grad, FLOOR_EXACT)
        _underflow(v, hard, errors, notes, i, floor)
        if not errors:
            left_out += 1
            continue
        kink = (
            d is not None and d.kind == "kink" and errors.get("finite_diff", math.inf) <= BANDS_OK
        )
        if kink:  # held to the rule table's subgradient, not to any between the slopes
            table = hard["table"].get(v)
            notes[i] = verdicts.judge_kink(v.grad, d, refs, errors, table, _rel, floor)
        worst = max(errors.values(), key=lambda e: math.inf if math.isnan(e) else e)
        rows.append(
            CheckRow(
                node=v,
                label=name_of(v),
                value=v.data,
                grad=v.grad,
                **refs,
                finite_diff=None if d is None else d.value,
                rel_error=worst,
                verdict="kink" if kink and verdict(worst) in AGREE else verdict(worst),
                h=None if d is None else d.h,
                rel_errors=errors,
                note=notes.get(i, ""),
            )
        )
    if left_out:
        skipped["rows"] = f"{left_out} of {len(targets)} nodes had nothing to compare with"
    carried, resent = _carried(order, targets)
    return CheckReport(
        rows,
        skipped,
        root.data,
        name_of(root),
        float(h),
        checked=len(targets),
        direction=direction,
        carried=carried,
        resent=resent,
    )


def _carried(order, targets):
    """({name: passes} for the checked nodes whose grad sums more than one
    backward(), how many other nodes of the graph do): what the summary says
    about a forgotten zero_grad() (the lecture's chapter 14 bug)."""
    if not PASSES:  # no backward() has begun over old grads since the last clean one
        return {}, 0
    chosen = set(targets)
    carried, resent = {}, 0
    for v in order:
        n = passes(v)
        if n > 1:
            if v in chosen:
                carried[name_of(v)] = n
            else:
                resent += 1
    return carried, resent
