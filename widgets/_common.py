"""What the panels share: the theme's colours, layout that reflows, figures as PNG
bytes, graphviz as inline SVG, number formats.

Theme: a panel displays with a small stylesheet (``STYLE``) scoped to its classes.
Text colours are CSS over JupyterLab's theme variables (``explorer.theme``), so
one panel reads well in JupyterLab Light and Dark and in the Voila page. Figures
are PNG with a transparent background, drawn in dark ink; in a dark theme the
stylesheet turns them over (``invert`` then ``hue-rotate``: dark ink becomes light,
colours keep their hue), so no figure is a white box on a dark page.

Layout: nothing has a fixed width that adds up past a column. Rows are flex boxes
that wrap (``row()``), widths are ``min``/``max`` pairs, and a box that may be wider
than the column (a long formula) scrolls inside itself (``scroll_box()``, class
``ade-scroll``).

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, so
no global state and no GUI backend) and shipped to an ``ipywidgets.Image`` as PNG
bytes: the same bytes a test can compare and a browser shows.
"""

import html
import io
import math

import ipywidgets as W
from matplotlib.figure import Figure

from explorer.theme import BORDER, GRAPH_CSS, MATHML_NO_OVERFLOW, MUTED, STATUS, TEXT, graph_html

# Dark ink for figures: it turns light with the figure in a dark theme.
INK = "#222222"
DARK = 'body[data-jp-theme-light="false"]'
STYLE_CSS = f"""
.ade-panel {{ color: {TEXT}; min-width: 0; box-sizing: border-box;
  max-width: calc(100% - 2 * var(--jp-widgets-margin, 2px)) !important; }}
.ade-panel .widget-slider, .ade-panel .widget-text, .ade-panel .widget-hbox,
.ade-panel .widget-vbox, .ade-panel .widget-gridbox {{ max-width: 100%; min-width: 0; }}
.ade-panel .widget-label, .ade-panel .widget-html, .ade-panel .widget-htmlmath {{ min-width: 0; }}
.ade-panel .widget-html-content, .ade-panel .widget-htmlmath-content {{ flex: 1 1 auto;
  min-width: 0; }}
.ade-figure {{ max-width: 100%; height: auto; }}
.ade-panel .jupyter-widget-Collapse-header, .ade-panel .lm-AccordionPanel-title {{
  color: {TEXT} !important; }}
/* a tab's title in the text colour: the tab's grey ground under the UI's secondary
   colour read 4.4:1; the current tab still shows by its ground and border */
.ade-panel .jupyter-widgets.widget-tab .widget-tab-bar .lm-TabBar-tab {{
  color: {TEXT} !important; }}
{DARK} .ade-figure {{ filter: invert(0.88) hue-rotate(180deg); }}
.ade-scroll {{ overflow-x: auto; max-width: 100%; }}
{MATHML_NO_OVERFLOW.format(box=".ade-scroll")}
.ade-cell-caption {{ color: {MUTED}; font-size: 11px; line-height: 1.1; }}
.ade-num {{ font-family: var(--jp-code-font-family, monospace); font-size: 12px; }}
.ade-card {{ border: 1px solid {BORDER}; border-radius: 6px; padding: 4px 8px; }}
{GRAPH_CSS}
"""


def style():
    """The panels' stylesheet as an (invisible) widget: include it once per panel."""
    w = W.HTML(f"<style>{STYLE_CSS}</style>", layout=W.Layout(height="0px", margin="0px"))
    w.add_class("ade-style")
    return w


class Panel:
    """Mixin: a panel displays as its root widget (``self.widget``), with the
    stylesheet alongside and the class ``ade-panel`` that scopes it.

    A panel over a model (``explorer``'s objects that hold the numbers) names the
    attribute that holds it (``MODEL``) and the model's names it reads through
    (``READ_THROUGH``): ``panel.exact`` is ``panel.model.exact``, for notebooks
    and scripts that hold the panel."""

    widget: W.Widget
    MODEL = "model"
    READ_THROUGH = frozenset()

    def __getattr__(self, name):  # only for names the instance does not hold itself
        model = self.__dict__.get(self.MODEL)
        if model is not None and name in self.READ_THROUGH:
            return getattr(model, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _display_box(self):
        box = getattr(self, "_box", None)
        if box is None or box.children[1] is not self.widget:
            self.widget.add_class("ade-panel")
            box = self._box = W.VBox([style(), self.widget], layout=W.Layout(max_width="100%"))
        return box

    def _repr_mimebundle_(self, **kwargs):
        return self._display_box()._repr_mimebundle_(**kwargs)


def row(children, gap="4px 12px", **layout):
    """A row that wraps onto the next line when the column is too narrow."""
    return W.HBox(
        children,
        layout=W.Layout(flex_flow="row wrap", align_items="center", grid_gap=gap, **layout),
    )


def scroll_box(child):
    """A box that keeps its child to the column's width and scrolls it sideways."""
    box = W.Box([child], layout=W.Layout(overflow="auto hidden", max_width="100%"))
    box.add_class("ade-scroll")
    return box


def figure(width=6.4, height=3.6):
    """A fresh matplotlib Figure that is not registered with pyplot, with a
    transparent background and dark ink (see ``STYLE_CSS`` for the dark theme)."""
    fig = Figure(figsize=(width, height))
    fig.patch.set_alpha(0.0)
    fig.subplots_adjust(left=0.15, right=0.95, top=0.95, bottom=0.14)
    return fig


def style_axes(ax):
    """The figure's ink on one axes (matplotlib's rcParams are global: a panel must
    not change them for the user's own plots)."""
    ax.set_facecolor("none")
    for spine in ax.spines.values():
        spine.set_edgecolor(INK)
    ax.tick_params(colors=INK, which="both")
    ax.xaxis.label.set_color(INK)
    ax.yaxis.label.set_color(INK)
    ax.title.set_color(INK)


def png(fig, dpi=90):
    """The figure as PNG bytes, transparent where nothing is drawn."""
    for ax in fig.axes:
        style_axes(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=True)
    return buf.getvalue()


def image(width="100%"):
    """The Image a figure goes to: the column's width at most, turned over in a
    dark theme (class ``ade-figure``)."""
    layout = W.Layout(width=width, max_width="720px", height="auto", margin="2px 0px")
    w = W.Image(format="png", layout=layout)
    w.add_class("ade-figure")
    return w


def svg_inline(dot):
    """A graphviz Digraph rendered by ``dot`` as themed inline HTML: scaled to the
    panel's width (never past its natural size), with a "full size" toggle."""
    return graph_html(dot.pipe(format="svg", encoding="utf-8"))


def num(x, digits=6):
    """A float as the panels print it: plain ASCII (a test can read it back),
    ``g`` format, so 0.5 stays 0.5 and 1e-12 stays 1e-12."""
    if x is None:
        return "—"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if x == 0:
        x = 0.0  # no "-0" in a table
    return f"{x:.{digits}g}"


def error_html(message):
    """One line in the theme's error colour: the panel's error state."""
    return (
        f'<div class="ade-error ade-status" style="color:{STATUS["wrong"]};font-weight:bold">'
        f"&#9888; {html.escape(str(message), quote=False)}</div>"
    )


def status_html(text, kind="info", cls=""):
    """A line of status text in a theme colour (``explorer.theme.STATUS``)."""
    colour = STATUS.get(kind, TEXT)
    return (
        f'<span class="ade-status {cls}" style="color:{colour};font-weight:bold">'
        f"{html.escape(str(text), quote=False)}</span>"
    )


def verdict_html(verdict):
    """A verdict as a coloured word with a class a browser test can find."""
    colour = STATUS.get(verdict, MUTED)
    mark = "&#10003;" if verdict in ("good", "ok", "kink") else "&#10007;"
    return (
        f'<span class="ade-verdict ade-status ade-verdict-{html.escape(str(verdict))}" '
        f'style="color:{colour};font-weight:bold">{mark} {html.escape(str(verdict))}</span>'
    )


def value_html(text, cls):
    """A number in a span with a class, so a browser test can read it by selector."""
    font = "font-family:var(--jp-code-font-family, monospace)"
    return f'<span class="{cls}" style="{font}">{html.escape(text)}</span>'


def extend_to(slider, x, steps=400):
    """Widen a FloatSlider's range so that x lies inside (with a tenth of the old span
    beyond it) and move the slider there; returns the new (min, max).

    x lands on the slider's grid (min + k step), since the browser snaps a value to
    it; and range and value go to the browser as one message, since a range that
    arrived alone would move the browser's slider, which would send its old value
    back and undo the move. In that message the range comes first: the browser
    applies the keys in the message's order, and a value applied before the new
    range is clamped at the old end and sent back (``hold_sync`` sends its keys in a
    set's order, which changes with each kernel's hash seed). ``hold_sync`` still
    sends the same state once more on leaving; by then it changes nothing."""
    span = slider.max - slider.min
    lo, hi = min(slider.min, x - 0.1 * span), max(slider.max, x + 0.1 * span)
    return _place(slider, x, lo, hi, (hi - lo) / steps)


def on_grid(slider, x):
    """x is one of the slider's own values (min + k step): the browser keeps it."""
    k = (x - slider.min) / slider.step
    return abs(k - round(k)) <= 1e-9 * max(1.0, abs(k))


def move_to(slider, x):
    """The slider to x (inside its range), with every digit of x kept: on its grid a
    plain move, between its points a ``regrid``."""
    if on_grid(slider, x):
        slider.value = x
    else:
        regrid(slider, x)


def regrid(slider, x):
    """Move the slider to x, inside its range but between its grid's points: the
    grid is shifted (by less than a step, same step) so that x is on it. Otherwise
    the browser snaps x to the nearest point and sends that back: a typed 2.3456789
    became 2.35, and the panel computed at 2.35."""
    return _place(slider, x, slider.min, slider.max, slider.step)


def _place(slider, x, lo, hi, step):
    """The range [lo, hi] with its grid through x, and x, in one message (see
    ``extend_to``)."""
    lo = x - math.ceil((x - lo) / step - 1e-9) * step
    with slider.hold_sync():
        with slider.hold_trait_notifications():
            slider.min, slider.max, slider.step = lo, hi, step
        slider.value = x
        slider.send_state(["min", "max", "step", "value"])
    return slider.min, slider.max


def typed_box(slider, on_extend=None, width="105px"):
    """A FloatText beside a slider (whose own readout clamps a typed value into its
    range without a word): typed inside the range it moves the slider (``move_to``:
    every digit typed is kept, where the browser would snap x to the slider's grid); typed past it,
    it extends the range (``extend_to``) and calls ``on_extend(x, lo, hi)`` so the
    panel can say so; it follows the slider when the slider moves. Use with
    ``readout=False`` on the slider."""
    box = W.FloatText(value=slider.value, layout=W.Layout(width=width))
    box.add_class("ade-typed")
    state = {"typed": None, "echo": False}

    def typed(change):
        if state["echo"]:
            return
        x = float(change["new"])
        state["typed"] = x
        if x == slider.value:
            return
        if not math.isfinite(x):
            box.value = slider.value
        elif slider.min <= x <= slider.max:
            move_to(slider, x)
        else:
            lo, hi = extend_to(slider, x)
            if on_extend is not None:
                on_extend(x, lo, hi)

    def moved(change):
        # The slider's grid (min + k step) carries float noise: a typed 1.05 comes
        # back as 1.0499999999999998. The box shows what was typed while the slider
        # is there, else the slider's value to 12 digits; only the view is rounded.
        x, was = change["new"], state["typed"]
        near = was is not None and abs(x - was) <= 1e-9 * max(1.0, abs(x))
        state["echo"] = True
        try:
            box.value = was if near else float(f"{x:.12g}")
        finally:
            state["echo"] = False

    box.observe(typed, names="value")
    slider.observe(moved, names="value")
    return box
