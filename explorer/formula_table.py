"""``formulas(root)``: every node's formulas in one table, as text and LaTeX.

For each node (constants are left out: they appear inside the formulas):
- ``expr``: the node as an expression in the variables;
- ``local``: ``d node/d input`` for each input, in the chain-rule view
  (``1 - o**2`` at a tanh ``o``);
- ``chain``: ``d R/d node`` with intermediate symbols (R: the output of the last
  ``backward()``; the chain rule as the lecture writes it);
- ``grad``: the same expanded into the variables (``node.grad_expr``);
- ``value``: the node's data.

Sizes are checked before any SymPy work: a graph over ``max_nodes`` is refused
with a pointer to a smaller part, a node whose expression tree is too large is
not expanded, and a cell over ``max_ops`` operations is shortened by
``sympy.cse`` (its common subexpressions named ``ξ₁, ξ₂...`` and listed under the
table). Each shortening says so.
"""

import html
from dataclasses import dataclass, field

import sympy

from engine import local_partials
from explorer._common import (
    MAX_SYMBOLIC,
    backward_root,
    closed_form_why,
    count_ops_at_most,
    fmt_num,
    graph,
    name_of,
    pretty,
    symbolic_budget,
    tree_sizes,
)
from explorer.drawing import MAX_SWEEP_NODES
from explorer.named import NamedChain
from explorer.readable import readable
from explorer.target import resolve_with_grads
from explorer.theme import table_css

MAX_CHARS = 90  # a cell printed longer than this is shortened too
CSE_LIMIT = 3000  # operations: beyond this even sympy.cse is slow, and nobody reads it
_HEAD = ("node", "value", "forward", "local ∂node/∂input", "∂R/∂node (chain rule)", "∂R/∂node")


@dataclass
class FormulaRow:
    """One node's formulas (SymPy expressions, or a str saying why one is missing)."""

    node: object
    label: str
    value: float
    expr: object
    local: tuple  # ((input name, d node/d input), ...)
    chain: object
    grad: object
    notes: list = field(default_factory=list)


class FormulaTable:
    """``rows`` of formulas; prints as text, renders as LaTeX in Jupyter."""

    def __init__(self, rows, root_name, where, notes, head=()):
        self.rows = rows
        self.root_name = root_name  # R, the output the gradients are of (or None)
        self.where = where  # [(symbol, expression)]: the shortening's ξ, a network's δ and u
        self.notes = notes
        self.head = list(head)  # what to read first (how a network's table is written)

    def _cell(self, x, show):
        if x is None:
            return "—"
        return x if isinstance(x, str) else show(x)

    def _local(self, r, show, d):
        return ", ".join(f"{d(r.label, name)} {show(p)}" for name, p in r.local)

    def __str__(self):
        R = self.root_name or "R"
        head = [h.replace("R", R) for h in _HEAD]
        cells = [
            (
                r.label,
                fmt_num(r.value, 6),
                self._cell(r.expr, pretty),
                self._local(r, pretty, lambda a, b: f"∂{a}/∂{b} ="),
                self._cell(r.chain, pretty),
                self._cell(r.grad, pretty),
            )
            for r in self.rows
        ]
        widths = [max(len(c[j]) for c in [head, *cells]) for j in range(len(head))]
        line = lambda c: "  ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip()
        out = self.head + [line(head), line(["-" * w for w in widths])]
        out += [line(c) for c in cells]
        # the notes first: one of them announces the ξ list below
        out += self.notes + [f"where {pretty(s)} = {pretty(e)}" for s, e in self.where]
        return "\n".join(out)

    def _latex(self, e):
        """LaTeX of e, the shortening's ξ1, ξ2... written as \\xi_{1}, \\xi_{2}..."""
        names = {}
        for s, _ in self.where:
            if s.name.startswith("ξ"):
                names[s] = rf"\xi_{{{s.name[1:]}}}"
            elif s.name.startswith("δ_"):  # explorer.named's adjoints
                names[s] = rf"\delta{s.name[1:]}"
        return sympy.latex(e, symbol_names=names)

    def to_latex(self):
        """The table as a LaTeX ``array`` (math mode)."""
        R = sympy.latex(sympy.Symbol(self.root_name)) if self.root_name else "R"
        lx = lambda x: self._cell(x, self._latex) if not isinstance(x, str) else rf"\text{{{x}}}"
        head = [
            r"\text{node}",
            r"\text{value}",
            r"\text{forward}",
            r"\text{local}",
            rf"\frac{{\partial {R}}}{{\partial\,\text{{node}}}}\ \text{{(chain rule)}}",
            rf"\frac{{\partial {R}}}{{\partial\,\text{{node}}}}",
        ]
        body = []
        for r in self.rows:
            name = sympy.latex(sympy.Symbol(r.label))
            local = r",\ ".join(
                rf"\frac{{\partial {name}}}{{\partial {sympy.latex(sympy.Symbol(n))}}} = "
                + self._latex(p)
                for n, p in r.local
            )
            body.append(
                " & ".join([name, fmt_num(r.value, 6), lx(r.expr), local, lx(r.chain), lx(r.grad)])
            )
        rows = r" \\ ".join(body)
        table = rf"\begin{{array}}{{llllll}} {' & '.join(head)} \\ \hline {rows} \end{{array}}"
        if not self.where:
            return table
        where = r" \\ ".join(rf"{self._latex(s)} = {self._latex(e)}" for s, e in self.where)
        return rf"\begin{{array}}{{l}} {table} \\[1ex] \text{{where}} \\ {where} \end{{array}}"

    def _repr_latex_(self):
        return f"$${self.to_latex()}$$"

    def _repr_html_(self):
        """The table in HTML with each formula typeset on its own (MathJax, as
        JupyterLab does for HTML output), in a cell that scrolls sideways by itself
        when the formula is long; in a narrow column each node's row wraps into
        captioned cells. Follows the theme's colours."""
        e = html.escape

        def math(x):
            if x is None:
                return "—"
            if isinstance(x, str):
                return f"<span class='ade-muted'>{e(x)}</span>"
            return f"<div class='ade-scroll'>${e(self._latex(x))}$</div>"

        head = ("node", "value", "forward", "local ∂node/∂input", "∂R/∂node (chain rule)",
                "∂R/∂node")  # fmt: skip
        head = [h.replace("R", self.root_name or "R") for h in head]
        body = []
        for r in self.rows:
            name = sympy.latex(sympy.Symbol(r.label))
            local = "".join(
                f"<div class='ade-scroll'>$\\frac{{\\partial {e(name)}}}"
                f"{{\\partial {e(sympy.latex(sympy.Symbol(n)))}}} = {e(self._latex(p))}$</div>"
                for n, p in r.local
            )
            cells = [
                ("ade-first", head[0], f"${e(name)}$"),
                ("ade-num ade-first", head[1], e(fmt_num(r.value, 6))),
                ("", head[2], math(r.expr)),
                ("", head[3], local or "—"),
                ("", head[4], math(r.chain)),
                ("", head[5], math(r.grad)),
            ]
            tds = "".join(
                f"<td class='{c}' data-label='{e(h)}' style='text-align:"
                f"{'right' if 'ade-num' in c else 'left'}'>{x}</td>"
                for c, h, x in cells
            )
            body.append(f"<tr>{tds}</tr>")
        ths = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in head)
        where = "".join(
            f"<div class='ade-scroll' style='max-width:100%'>"
            f"${e(self._latex(s))} = {e(self._latex(x))}$</div>"
            for s, x in self.where
        )
        if where:
            where = f"<p class='ade-muted'>where</p>{where}"
        notes = "".join(f"<p class='ade-muted'>{e(n)}</p>" for n in self.notes)
        first = "".join(f"<p class='ade-muted'>{e(n)}</p>" for n in self.head)
        return (
            f"<div class='ade-formulas'><style>{table_css('ade-formulas', '900px')}</style>"
            f"{first}<table><thead><tr>{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{notes}{where}</div>"
        )

    def __repr__(self):
        return f"<FormulaTable of {len(self.rows)} nodes>"


def _shorten(rows, max_ops):
    """Replace every cell over max_ops operations by its sympy.cse form, jointly,
    so that a subexpression shared between cells gets one name."""
    big = []
    for r in rows:
        for attr in ("expr", "chain", "grad"):
            e = getattr(r, attr)
            if not isinstance(e, sympy.Basic):
                continue
            n = count_ops_at_most(e, max_ops)
            if n is None or len(pretty(e)) > MAX_CHARS:
                if n is None and count_ops_at_most(e, CSE_LIMIT) is None:
                    setattr(r, attr, f"(over {CSE_LIMIT:,} operations: not shown)")
                else:
                    big.append((r, attr, e))
    if not big:
        return []
    used = set().union(*(e.free_symbols for _, _, e in big))
    xis = (s for s in sympy.numbered_symbols("ξ", start=1) if s not in used)
    where, reduced = sympy.cse([e for _, _, e in big], symbols=xis)
    for (r, attr, _), e in zip(big, reduced):
        setattr(r, attr, e)
        r.notes.append(f"{attr} shortened with sympy.cse")
    return where


def _simplify(rows):
    for r in rows:
        for attr in ("expr", "grad"):
            e = getattr(r, attr)
            if isinstance(e, sympy.Basic):
                shown, note = readable(e)
                setattr(r, attr, shown)
                if note:
                    r.notes.append(f"{attr}: {note}")


def formulas(target, *, max_nodes=200, max_ops=60, simplify=False, nodes=None, **values):
    """The formula table of the target's graph (see the module docstring): a graph's
    output, or an expression's text or a function of Values with the values as
    keywords, built and backpropagated here. ``simplify=True`` shows each forward
    and global formula as a person would write it (``explorer.readable``: SymPy's
    factor_terms, factor and simplify under a time budget; the computed form, with
    a note, when that finds nothing shorter in time).

    A graph over ``max_nodes`` nodes (a network) gets one row per variable, or per
    node of ``nodes``, and its chain-rule column names the shared parts
    (``explorer.named``: the adjoints δ_u = ∂R/∂u and the nodes they read, defined
    under the table), so that each row fits on a screen."""
    root = resolve_with_grads(target, values, "formulas")
    order, _ = graph(root)
    if len(order) > max_nodes or nodes is not None:
        return network_table(root, order, nodes, max_ops, max_nodes)
    sizes = tree_sizes(order)
    groots = {backward_root(v) for v in order}
    groot = groots.pop() if len(groots) == 1 else None
    notes = []
    grads_why = None
    if groot is None and len(groots) > 1:
        grads_why = "no gradients: they come from different backward() calls; call it again"
    elif groot is None:
        grads_why = "no gradients: call backward() on the output for ∂R/∂node"
    else:
        gorder, _ = graph(groot)
        if len(gorder) > MAX_SWEEP_NODES:
            grads_why = f"no gradients: the output's graph has {len(gorder):,} nodes (too many)"
        elif why := symbolic_budget(gorder, expand=False):
            grads_why = f"no gradients: {why}"
        gtree = tree_sizes(gorder)[groot]
    if grads_why:
        notes.append(grads_why)

    rows = []
    for v in order:
        if v.is_constant:
            continue
        expr = v.expr if sizes[v] <= MAX_SYMBOLIC else f"(about {sizes[v]:,} operations)"
        local = tuple(
            (name_of(c), d) for c, d in zip(v.inputs, local_partials(v)) if not c.is_constant
        )
        chain = grad = None
        if not grads_why:
            chain = v.chain_expr
            grad = v.grad_expr if gtree <= MAX_SYMBOLIC else f"(about {gtree:,} operations)"
        rows.append(FormulaRow(v, name_of(v), v.data, expr, local, chain, grad))
    if simplify:
        _simplify(rows)
    where = _shorten(rows, max_ops)
    if where:
        notes.append(f"cells over {max_ops} operations are shortened with sympy.cse (ξ below)")
    return FormulaTable(rows, name_of(groot) if groot is not None else None, where, notes)


MAX_NAMED_NODES = 20_000  # the named chain view: a SymPy step per node, about 0.1 ms each


def network_table(root, order, nodes, max_ops, max_nodes):
    """formulas() of a network (see ``formulas``): rows for the variables (or the
    nodes given), their chain-rule formulas with named parts, the closed form where
    it is short."""
    index = {v: i for i, v in enumerate(order)}
    if nodes is None:
        chosen = [v for v in order if v.is_variable]
    else:
        chosen = [nodes] if hasattr(nodes, "inputs") else list(nodes)
        for v in chosen:
            if v not in index:
                raise ValueError(f"node {v!r} is not in the graph of formulas()'s target")
    groots = {backward_root(v) for v in chosen}
    groot = groots.pop() if len(groots) == 1 else None
    notes, head = [], []
    if len(order) > max_nodes:
        head.append(
            f"{len(order):,} nodes (more than max_nodes={max_nodes}): a row per "
            f"{'variable' if nodes is None else 'node asked for'}; the chain rule's column "
            "names its shared parts, δ_u = ∂R/∂u for a node u, defined below with the "
            "nodes they read"
        )
    named = grads_why = None
    if groot is None:
        grads_why = "no gradients: call backward() on the output for ∂R/∂node"
    else:
        gorder, _ = graph(groot)
        if len(gorder) > MAX_NAMED_NODES:
            grads_why = (
                f"no gradients: the output's graph has {len(gorder):,} nodes (limit "
                f"{MAX_NAMED_NODES:,}); ask for a smaller part"
            )
        else:
            named = NamedChain(groot, gorder)
            closed_why = closed_form_why(gorder)
    if grads_why:
        notes.append(grads_why)
    sizes = tree_sizes(order)
    rows = []
    for v in chosen:
        expr = v.expr if sizes[v] <= MAX_SYMBOLIC else f"(about {sizes[v]:,} operations)"
        local = tuple(
            (name_of(c), d) for c, d in zip(v.inputs, local_partials(v)) if not c.is_constant
        )
        chain = grad = None
        if named is not None:
            chain = named.chain.get(v, sympy.Integer(0))
            grad = None if closed_why else _short(v.grad_expr, max_ops)
        rows.append(FormulaRow(v, name_of(v), v.data, expr, local, chain, grad))
    long = sum(r.grad is None for r in rows)
    if named is not None and long:
        why = closed_why or f"over {max_ops} operations or {MAX_CHARS} characters"
        notes.append(
            f"∂R/∂node in the variables: {long} of {len(rows)} not shown ({why}); the chain "
            "rule's column names their parts, and node.grad_expr holds each"
        )
    where = [] if named is None else named.definitions([r.chain for r in rows])
    return FormulaTable(rows, name_of(groot) if groot is not None else None, where, notes, head)


def _short(e, max_ops):
    """The closed form if it reads on one line, else None."""
    n = count_ops_at_most(e, max_ops)
    return None if n is None or len(pretty(e)) > MAX_CHARS else e
