"""What the panels share: figures as PNG bytes, graphviz as inline SVG, number formats.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, so
no global state and no GUI backend) and shipped to an ``ipywidgets.Image`` as PNG
bytes: the same bytes a test can compare and a browser shows.
"""

import html
import io
import math
import re

import ipywidgets as W
from matplotlib.figure import Figure

_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="[\d.]+pt"')


class Panel:
    """Mixin: a panel displays as its root widget (``self.widget``)."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def figure(width=6.4, height=3.6):
    """A fresh matplotlib Figure that is not registered with pyplot."""
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.15, right=0.95, top=0.95, bottom=0.14)
    return fig


def png(fig, dpi=90):
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def image(width="100%"):
    return W.Image(format="png", layout=W.Layout(width=width, max_width="720px"))


def svg_inline(dot):
    """A graphviz Digraph rendered by ``dot`` as SVG text fit for inline HTML
    (the XML prolog and DOCTYPE cut off), scaled to the panel's width."""
    svg = dot.pipe(format="svg", encoding="utf-8")
    svg = _XML_HEAD.sub("", svg, count=1)
    # dot fixes the size in points; scale to the panel's width instead (the viewBox
    # keeps the proportions), never past the natural size.
    svg = _SIZE.sub(r'<svg style="width:100%;max-width:\1pt;height:auto"', svg, count=1)
    return f'<div class="ade-graph" style="max-width:100%">{svg}</div>'


def num(x, digits=6):
    """A float as the panels print it: plain ASCII (a test can read it back),
    ``g`` format, so 0.5 stays 0.5 and 1e-12 stays 1e-12."""
    if x is None:
        return "—"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def error_html(message):
    """One line in red: the panel's error state."""
    return (
        '<div class="ade-error" style="color:#b00020;font-weight:bold">'
        f"&#9888; {html.escape(str(message))}</div>"
    )


VERDICT_COLOURS = {"good": "#1b7f3b", "ok": "#1b7f3b", "doubtful": "#b26a00", "wrong": "#b00020"}


def verdict_html(verdict):
    """A verdict as a coloured word with a class a browser test can find."""
    colour = VERDICT_COLOURS.get(verdict, "#555")
    mark = "&#10003;" if verdict in ("good", "ok") else "&#10007;"
    return (
        f'<span class="ade-verdict ade-verdict-{html.escape(str(verdict))}" '
        f'style="color:{colour};font-weight:bold">{mark} {html.escape(str(verdict))}</span>'
    )


def value_html(text, cls):
    """A number in a span with a class, so a browser test can read it by selector."""
    return f'<span class="{cls}" style="font-family:monospace">{html.escape(text)}</span>'
