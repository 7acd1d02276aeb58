"""``backprop(target)``: watch the forward and the backward pass, one node at a time.

A view over ``explorer.backprop.Backprop`` (the steps; a test walks them without a
widget): the drawing with the current node outlined in red and the inputs it adds
into in blue, every grad as it stands after the step (empty where no gradient has
arrived yet), and a card that says the step: the node's value from its inputs'
(forward), or, going back, each local derivative in symbols and numbers, the
gradient flowing in, their product and the ``+=`` with the grad before and after.

Controls: first / previous / play / next / last, a slider over the steps (click
it, then the keyboard's ← → step through), ``.next()``, ``.previous()``,
``.position``, ``.steps``. Past a few hundred nodes the panel says so and offers
the inner nodes whose graphs fit.
"""

import html

import ipywidgets as W

from explorer import draw
from explorer.backprop import MAX_NODES, Backprop, TooLarge, fmt
from explorer.target import name_output, resolve
from widgets._common import MUTED, Panel, error_html, row, svg_inline

MAX_DRAWN = 120  # nodes: past this dot takes seconds a step, and the picture is unreadable
PAD = "padding:2px 10px 2px 0;text-align:left;white-space:nowrap"
PHASES = {"forward": "forward pass", "seed": "seed", "backward": "backward pass"}


def _cell(text, cls=""):
    return f'<td class="{cls}" style="{PAD}">{html.escape(text)}</td>'


def contributions_html(step, rname):
    """The step's ``+=`` as a table: input, local derivative, upstream, product,
    before → after."""
    if not step.contributions:
        return ""
    heads = ["into", "local derivative", f"upstream ∂{rname}/∂{step.name}", "product",
             "grad: before → after"]  # fmt: skip
    head = "<tr>" + "".join(f'<th style="{PAD}">{html.escape(h)}</th>' for h in heads) + "</tr>"
    rows = []
    for c in step.contributions:
        before = "empty" if c.before is None else fmt(c.before)
        twice = f" ({c.use} of {c.uses})" if c.uses > 1 else ""
        rows.append(
            "<tr class='ade-bp-contribution'>"
            + _cell(c.input_name + twice)
            + _cell(c.symbolic, "ade-num")
            + _cell(fmt(c.upstream), "ade-num")
            + _cell(f"{fmt(c.local)} · {fmt(c.upstream)} = {fmt(c.product)}", "ade-num")
            + _cell(
                f"{c.input_name}.grad += {fmt(c.product)}: {before} → {fmt(c.after)}", "ade-num"
            )  # fmt: skip
            + "</tr>"
        )
    return (
        '<table class="ade-bp-table" style="border-collapse:collapse;margin-top:4px">'
        + head
        + "".join(rows)
        + "</table>"
    )


class BackpropPanel(Panel):
    """The step-through panel (see the module docstring). For tests: ``.model``
    (the ``Backprop``), ``.slider`` (IntSlider), ``.play`` (Play), ``.buttons``
    {"first", "previous", "next", "last"}, ``.card`` (HTML: the step in words),
    ``.graph`` (HTML: the drawing), ``.message`` (HTML: why nothing is shown),
    ``.parts`` (Dropdown of parts that fit, for a large graph)."""

    def __init__(self, root, max_nodes=MAX_NODES, interval=1200):
        self.root, self.max_nodes = root, max_nodes
        self.message = W.HTML()
        self.message.add_class("ade-bp-message")
        self.card = W.HTML(layout=W.Layout(max_width="100%"))
        self.card.add_class("ade-bp-card")
        self.graph = W.HTML(layout=W.Layout(max_width="100%"))
        self.graph.add_class("ade-bp-graph")
        self.slider = W.IntSlider(1, min=1, max=1, description="step",
                                  layout=W.Layout(flex="1 1 260px", max_width="520px"))  # fmt: skip
        self.slider.add_class("ade-bp-slider")
        self.play = W.Play(1, min=1, max=1, interval=interval, description="play")
        self.play.add_class("ade-bp-play")
        W.jslink((self.play, "value"), (self.slider, "value"))
        self.buttons = {}
        buttons = {"first": "« first", "previous": "‹ back", "next": "next ›", "last": "last »"}
        for key, text in buttons.items():
            b = W.Button(description=text, tooltip=f"{key} step", layout=W.Layout(width="auto"))
            b.add_class(f"ade-bp-{key}")
            b.on_click(lambda _, k=key: self._go(k))
            self.buttons[key] = b
        self.parts = W.Dropdown(description="part", layout=W.Layout(display="none"))
        self.parts.observe(self._choose_part, names="value")
        keys = W.HTML(f'<span style="color:{MUTED};font-size:12px">click the slider, then '
                      "← → step through</span>")  # fmt: skip
        controls = row([self.buttons["first"], self.buttons["previous"], self.play,
                        self.buttons["next"], self.buttons["last"], self.slider, keys])  # fmt: skip
        self.widget = W.VBox(
            [self.message, self.parts, controls, self.card, self.graph],
            layout=W.Layout(max_width="100%"),
        )
        self.widget.add_class("ade-backprop")
        self.model = None
        # the slider counts steps from 1, as the card does; the model from 0
        self.slider.observe(lambda ch: self._show(ch["new"] - 1), names="value")
        self._load(root)

    # -- the model ---------------------------------------------------------------
    def _load(self, root):
        try:
            self.model = Backprop(root, self.max_nodes)
        except TooLarge as e:
            self.model = None
            self.message.value = error_html(str(e))
            self._offer(e.parts)
            self.card.value = self.graph.value = ""
            return
        except (ValueError, TypeError, ArithmeticError) as e:
            self.model = None
            self.message.value = error_html(str(e))
            return
        self.message.value = ""
        n = len(self.model.steps)
        with self.slider.hold_trait_notifications():
            self.slider.max = self.play.max = n
            self.slider.value = self.play.value = 1
        self._show(0)

    def _offer(self, parts):
        if not parts:
            return
        from explorer._common import name_of

        self._part_nodes = {f"{name_of(p)} ({p.op})": p for p in parts}
        self.parts.options = ["choose a part…", *self._part_nodes]
        self.parts.layout.display = None

    def _choose_part(self, change):
        node = getattr(self, "_part_nodes", {}).get(change["new"])
        if node is not None:
            self._load(node)

    # -- walking -----------------------------------------------------------------
    @property
    def steps(self):
        return self.model.steps if self.model else []

    @property
    def position(self):
        return self.model.position if self.model else 0

    @position.setter
    def position(self, i):
        self.model.position = i
        self.slider.value = i + 1

    def next(self):
        self._go("next")
        return self.model.step

    def previous(self):
        self._go("previous")
        return self.model.step

    def _go(self, where):
        if self.model is None:
            return
        getattr(self.model, where)()
        self.slider.value = self.model.position + 1

    def _show(self, i):
        m = self.model
        if m is None:
            return
        m.position = i
        s = m.step
        rname = m.names[m.root]
        phase = PHASES[s.phase]
        lines = [
            f'<div class="ade-bp-where" style="color:{MUTED}">step {s.index + 1} of '
            f"{len(m.steps)} · {phase}</div>",
            f'<div class="ade-bp-text" style="font-weight:bold">{html.escape(s.text)}</div>',
        ]
        if s.phase == "backward":
            lines.append(
                f'<div class="ade-bp-upstream">gradient flowing in: ∂{html.escape(rname)}/∂'
                f"{html.escape(s.name)} = {fmt(s.upstream)}</div>"
            )
        lines.append(contributions_html(s, rname))
        self.card.value = '<div class="ade-card">' + "".join(lines) + "</div>"
        if len(m.order) > MAX_DRAWN:
            self.graph.value = (
                f'<span style="color:{MUTED}">the graph has {len(m.order)} nodes: the drawing '
                f"is left out past {MAX_DRAWN} (the steps above are all there)</span>"
            )
            return
        state = {v: (v.data if v in s.computed else None, s.grads[v]) for v in m.order}
        accent = [c.input for c in s.contributions]
        try:
            self.graph.value = svg_inline(draw(m.root, highlight=[s.node], accent=accent,
                                               state=state, max_nodes=self.max_nodes))  # fmt: skip
        except Exception as e:  # graphviz missing or failing: the card still teaches
            self.graph.value = error_html(f"the drawing failed: {e}")


def backprop(target, *, max_nodes=MAX_NODES, start=None, **values):
    """The step-through panel for a graph's output, an expression's text with its
    values (``backprop("tanh(x*w + b)", x=2, w=-3, b=6.88)``) or a function of
    Values."""
    if values and start is None:
        start = values
    root, variables, built = resolve(target, start=start, what="backprop")
    if built:
        name_output(root, {v.label for v in variables})
    return BackpropPanel(root, max_nodes=max_nodes)


__all__ = ["BackpropPanel", "backprop", "contributions_html"]
