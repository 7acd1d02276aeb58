"""``draw(root)``: micrograd's picture of a graph, with formulas on request.

One record node per Value (``label | data | grad``, 4 decimals), one op node per
computed Value, edges input -> op -> result, laid out left to right. Nodes are
named by their position in the topological order (``n0``, ``n0op``...), never by
``id()``, so the same graph draws the same SVG every time.

Options: each node's closed form (``formulas="grad"``: ``d root/d node`` in the
variables; ``"chain"``: the same in the chain-rule view with intermediate
symbols; ``"expr"``: the node's forward expression; ``"both"``: expr and grad),
the local derivative ``d out/d input`` on each edge, highlighted nodes, and a fill
colour per verdict (a ``{node: verdict}`` mapping or a ``CheckReport``).
"""

import graphviz

from engine import BudgetError, local_partials
from explorer._common import (
    MAX_SYMBOLIC,
    backward_root,
    count_ops_at_most,
    graph,
    name_of,
    pretty,
    symbolic_budget,
    tree_sizes,
)
from explorer.render import DOT_SECONDS, MAX_LAYOUT, layout_budget, render_file, run_dot
from explorer.report import COLOURS
from explorer.target import resolve_with_grads
from explorer.theme import graph_html

FORMULAS = (None, "grad", "chain", "expr", "both")
MAX_SWEEP_NODES = 2000  # the symbolic sweep over the backward root's graph: about 1 s
WRAP = 46  # characters per formula line
MAX_LINES = 6
FONT = "DejaVu Sans"


def _escape(s):
    """Text for a record field: graphviz gives { } | < > and \\ a meaning there."""
    for ch in "\\{}|<>":
        s = s.replace(ch, "\\" + ch)
    return s


def _wrap(text):
    """Break a long formula into left-justified lines at spaces (record fields
    do not wrap by themselves)."""
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > WRAP:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] += " …"
    return "".join(_escape(line) + "\\l" for line in lines)


def _grad_root(order, formulas):
    """The root whose derivatives the formulas show; checks the graph can afford it."""
    if formulas not in ("grad", "chain", "both"):
        return None
    roots = {backward_root(v) for v in order}
    if None in roots or len(roots) != 1:
        raise RuntimeError(
            f"draw(formulas={formulas!r}) needs gradients of one output: "
            "call backward() on it first"
        )
    return roots.pop()


class _Formulas:
    """The text of each node's formula lines, with sizes checked before any SymPy work."""

    def __init__(self, order, mode, groot):
        self.mode, self.groot = mode, groot
        self.sizes = tree_sizes(order)
        self.why_not = None
        if groot is not None:
            gorder, _ = graph(groot)
            if len(gorder) > MAX_SWEEP_NODES:
                self.why_not = f"({len(gorder):,} nodes: too many for formulas)"
            elif why := symbolic_budget(gorder, expand=mode != "chain"):
                self.why_not = f"({why.split(':')[0]})"
            self.rname = name_of(groot)

    def _expr_line(self, v):
        if self.sizes[v] > MAX_SYMBOLIC:
            return f"= (about {self.sizes[v]:,} operations)"
        return f"= {self._show(v.expr)}"

    def _grad_line(self, v):
        d = f"∂{self.rname}/∂{name_of(v)} = "
        if self.why_not:
            return d + self.why_not
        return d + self._show(v.chain_expr if self.mode == "chain" else v.grad_expr)

    @staticmethod
    def _show(e):
        n = count_ops_at_most(e, 400)
        return pretty(e) if n is not None else "(over 400 operations)"

    def lines(self, v):
        if self.mode is None or v.is_constant:
            return []
        out = []
        if self.mode in ("expr", "both") and not v.is_variable:
            out.append(self._expr_line(v))
        if self.mode in ("grad", "chain", "both"):
            out.append(self._grad_line(v))
        return out


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows itself in Jupyter as themed inline SVG: a
    transparent background and the theme's text colour (JupyterLab Light or Dark),
    scaled to the column's width, with a "full size" toggle. Front ends without
    HTML get graphviz's own SVG image."""

    dot_seconds = DOT_SECONDS  # the wall-clock limit on one run of dot
    _render = staticmethod(render_file)  # .render(...): dot under DOT_SECONDS (the default) too

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):  # fmt: skip
        """graphviz's ``pipe``, with dot run under ``dot_seconds`` of wall-clock time
        in a process group of its own (``explorer.render.run_dot``): past the limit,
        or on Ctrl-C, it is killed and ``DrawingTimeout`` says so in one line."""
        from graphviz.backend import dot_command

        cmd = dot_command.command(
            engine or self.engine, format or self.format,
            renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
        )  # fmt: skip
        out = run_dot(cmd, self.source.encode(self.encoding), self.dot_seconds)
        return out if encoding is None else out.decode(encoding)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            bundle = super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        except BudgetError as e:  # dot stopped at its time limit: a line, not a traceback
            return {"text/plain": f"graph not drawn: {e}"}
        svg = bundle.get("image/svg+xml")
        if svg is not None and (not include or "text/html" in include):
            bundle["text/html"] = graph_html(svg)
        return bundle


def _shown(x):
    return "" if x is None else f"{x:.4f}"


def _record(v, lines, rankdir, show_name, state=None):
    name = _escape(name_of(v) if show_name or v.label or v.is_variable else "")
    data, grad = (v.data, v.grad) if state is None else state
    row = f"{name} | data {_shown(data)} | grad {_shown(grad)}"
    if not lines:
        return f"{{ {row} }}" if rankdir == "LR" else row
    fields = " | ".join(_wrap(t) for t in lines)
    # In LR a record's top level stacks vertically; braces turn a level sideways.
    return f"{{ {row} }} | {fields}" if rankdir == "LR" else f"{{ {{ {row} }} | {fields} }}"


def _op_name(v):
    """An unlabelled result's automatic name, small, beside its op (``u3``): the name
    the formulas, ``check`` and the panels use, so a reader can find it here."""
    if v.label:
        return {}
    return {"xlabel": f'<<FONT POINT-SIZE="9" COLOR="#1f5fa8">{name_of(v)}</FONT>>'}


def _edge_label(v, j):
    """d v/d input j: the chain-rule formula and, unless it is a number, its value."""
    num = f"{v.local_grads()[j]:.4g}".replace("-", "−")
    d = local_partials(v)[j]
    return num if d.is_Number else f"{pretty(d)} = {num}"


def _verdict_map(verdicts):
    if verdicts is None:
        return {}
    if hasattr(verdicts, "verdicts"):  # a CheckReport
        return verdicts.verdicts()
    out = dict(verdicts)
    for s in out.values():
        if s not in COLOURS:
            raise ValueError(f"unknown verdict {s!r}: one of {', '.join(COLOURS)}")
    return out


def draw(
    target,
    *,
    formulas=None,
    edge_derivatives=False,
    highlight=(),
    verdicts=None,
    state=None,
    accent=(),
    rankdir="LR",
    max_nodes=500,
    max_layout=MAX_LAYOUT,
    **values,
):
    """The target's graph as a ``graphviz.Digraph`` (displays inline in Jupyter,
    following the theme;
    ``.pipe("svg")`` and ``.render(...)`` work as usual). ``target``: a graph's
    output, or an expression's text or a function of Values with the values as
    keywords (``draw("sin(x)*y", x=1, y=2)``), built and backpropagated here.

    Budgets, checked before any work: ``max_nodes`` values, and ``max_layout``
    nodes for graphviz's layout, virtual ones included (``explorer.render``); past
    either, a ``ValueError`` (``engine.BudgetError`` for the layout) says why in one
    line. Rendering (``.pipe``, the notebook's display) stops dot after
    ``Drawing.dot_seconds`` with ``explorer.render.DrawingTimeout``.

    ``state``: {node: (data, grad)} shown instead of the nodes' own, None for a
    field left empty (the step-by-step pass shows grads not reached yet so);
    ``accent``: nodes drawn with a blue border (the inputs a step adds into)."""
    if formulas not in FORMULAS:
        raise ValueError(f"formulas must be one of {FORMULAS}, got {formulas!r}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    root = resolve_with_grads(target, values, "draw")
    order, index = graph(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order):,} nodes, more than max_nodes={max_nodes}: "
            f"draw a part of it (draw(node) for an inner node) or pass max_nodes={len(order)}"
        )
    if why := layout_budget(order, max_layout):
        raise BudgetError(
            f"{why}: draw a part of it (draw(node) for an inner node) or pass "
            f"max_layout= (dot is stopped after {DOT_SECONDS:g} s regardless)"
        )
    groot = _grad_root(order, formulas)
    text = _Formulas(order, formulas, groot)
    colour = _verdict_map(verdicts)
    marked, accents = set(highlight), set(accent)
    symbolic = formulas is not None or edge_derivatives

    dot = Drawing(
        graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#555555", "fontcolor": "#1f5fa8"},
    )
    for i, v in enumerate(order):
        attrs = {"shape": "record", "color": "#444444"}
        if v.is_variable:
            attrs["penwidth"] = "1.6"
        if v.is_constant:
            attrs["fontcolor"] = "#666666"
        if v in colour:
            attrs.update(style="filled", fillcolor=COLOURS[colour[v]])
        if v in accents:
            attrs.update(color="#1f77b4", penwidth="2.5")
        if v in marked:
            attrs.update(color="#d62728", penwidth="3")
        shown = None if state is None else state.get(v, (v.data, v.grad))
        dot.node(f"n{i}", _record(v, text.lines(v), rankdir, symbolic, shown), **attrs)
        if v.inputs:
            op_attrs = {"color": "#d62728", "penwidth": "2.5"} if v in marked else {}
            dot.node(f"n{i}op", v.op, shape="circle", width="0.3", margin="0.02",
                     **_op_name(v), **op_attrs)  # fmt: skip
            dot.edge(f"n{i}op", f"n{i}")
            for j, c in enumerate(v.inputs):
                label = {"label": f" {_edge_label(v, j)} "} if edge_derivatives else {}
                dot.edge(f"n{index[c]}", f"n{i}op", **label)
    return dot
