"""Colours that follow the page's theme: CSS expressions over JupyterLab's variables.

Nothing here picks a colour for a background it does not know. Text and marks are
written as CSS that the browser resolves against the theme it shows:

- status colours mix the theme's own success / warn / error colour with its
  strongest text colour (black in JupyterLab Light, white in Dark), which darkens
  them on light pages and lightens them on dark ones: more than 4.5:1 against
  either background (measured by the browser tests);
- verdict cells tint the page's background with the verdict's hue, and keep the
  page's text colour on top;
- inline SVG (graphviz) gets a transparent background and the theme's text colour
  from a small stylesheet scoped to ``.ade-graph``.

Each expression carries fallbacks, so the same HTML reads well in a page with no
JupyterLab variables at all (a static HTML export, a plain browser).
"""

import re

TEXT = "var(--jp-ui-font-color1, #1a1a1a)"
MUTED = "var(--jp-ui-font-color2, #5f5f5f)"
BORDER = "var(--jp-border-color2, #e0e0e0)"
BACKGROUND = "var(--jp-layout-color0, #fff)"


def _strong(var, fallback):
    """The theme colour ``var`` pulled 40% towards the theme's strongest text colour."""
    return f"color-mix(in srgb, var({var}, {fallback}) 60%, var(--jp-ui-font-color0, #000))"


STATUS = {
    "good": _strong("--jp-success-color1", "#388e3c"),
    "ok": _strong("--jp-success-color1", "#388e3c"),
    "kink": _strong("--jp-info-color1", "#0097a7"),
    "doubtful": _strong("--jp-warn-color1", "#f57c00"),
    "wrong": _strong("--jp-error-color1", "#d32f2f"),
    "info": _strong("--jp-brand-color1", "#1976d2"),
}
# hues of the verdict cells, mixed into the page's background at TINT
HUES = {
    "good": "#6cc36c",
    "ok": "#a8d66b",
    "kink": "#6aaee8",
    "doubtful": "#ffb84d",
    "wrong": "#ff6b6b",
}
TINT = "35%"


def tint(verdict):
    """A verdict cell's background: its hue over the page's background."""
    return f"color-mix(in srgb, {HUES[verdict]} {TINT}, {BACKGROUND})"


# Inline SVG from graphviz follows the theme: its white page goes transparent,
# strokes and text take the theme's colours, and text on a filled (verdict)
# node stays dark, since the fills are light in both themes. A highlighted node
# (red, ``draw(highlight=...)``) and an accented one (blue, ``accent=...``) keep
# a theme colour of that kind.
GRAPH_CSS = f"""
.ade-graph svg g.graph > polygon {{ fill: transparent; stroke: none; }}
.ade-graph svg text {{ fill: {TEXT}; }}
.ade-graph svg g.node polygon[fill="none"], .ade-graph svg g.node polyline,
.ade-graph svg g.node ellipse, .ade-graph svg g.node path {{ stroke: {MUTED}; }}
.ade-graph svg g.node polygon:not([fill="none"]) ~ text {{ fill: #111; }}
.ade-graph svg g.node polygon[fill][stroke="#d62728"], .ade-graph svg g.node
  polyline[stroke="#d62728"], .ade-graph svg g.node ellipse[stroke="#d62728"]
  {{ stroke: {STATUS["wrong"]}; }}
.ade-graph svg g.node polygon[fill][stroke="#1f77b4"], .ade-graph svg g.node
  polyline[stroke="#1f77b4"] {{ stroke: {STATUS["info"]}; }}
.ade-graph svg g.edge path {{ stroke: {MUTED}; }}
.ade-graph svg g.edge polygon {{ fill: {MUTED}; stroke: {MUTED}; }}
.ade-graph svg g.edge text {{ fill: {STATUS["info"]}; }}
.ade-graph .ade-graph-box {{ overflow-x: auto; max-width: 100%; }}
.ade-graph .ade-graph-box svg {{ width: 100%; height: auto; max-width: var(--ade-w); }}
.ade-graph details.ade-zoom[open] + .ade-graph-box svg {{
  width: var(--ade-w) !important; max-width: none !important; }}
.ade-graph details.ade-zoom summary {{ cursor: pointer; color: {MUTED}; font-size: 12px; }}
"""

_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="[\d.]+pt"')


def graph_html(svg):
    """Graphviz's SVG text as themed inline HTML: scaled to the column's width (never
    past its natural size), with a "full size" toggle that shows it at its natural
    size in a box of its own that scrolls sideways."""
    svg = _XML_HEAD.sub("", svg, count=1)
    m = _SIZE.search(svg)
    natural = f"{m.group(1)}pt" if m else "100%"
    svg = _SIZE.sub(f'<svg style="--ade-w:{natural}"', svg, count=1)
    return (
        f'<div class="ade-graph"><style>{GRAPH_CSS}</style>'
        '<details class="ade-zoom"><summary>full size</summary></details>'
        f'<div class="ade-graph-box">{svg}</div></div>'
    )


def table_css(cls, narrow="720px", first=()):
    """A table under ``.{cls}`` that reflows: a plain table when its box is wide,
    and below ``narrow`` each row becomes a block of captioned cells that wrap (the
    caption from each cell's ``data-label``), with the cells of class ``ade-first``
    (the row's name and verdict) leading. Cells of class ``ade-scroll`` scroll
    sideways inside themselves rather than widen the table."""
    return f"""
.{cls} {{ container-type: inline-size; width: 100%; max-width: 100%; color: {TEXT}; }}
.{cls} table {{ border-collapse: collapse; max-width: 100%; }}
.{cls} table th, .{cls} table td {{ padding: 2px 8px; vertical-align: top;
  border-bottom: 1px solid {BORDER}; color: inherit; background: transparent;
  text-align: left; }}
.{cls} th {{ color: {MUTED}; font-weight: 600; }}
.{cls} table td.ade-num {{ text-align: right; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; white-space: nowrap; }}
.{cls} .ade-scroll {{ overflow-x: auto; max-width: 32em; }}
.{cls} .ade-muted {{ color: {MUTED}; }}
@container (max-width: {narrow}) {{
  .{cls} table, .{cls} tbody {{ display: block; }}
  .{cls} thead {{ display: none; }}
  .{cls} tr {{ display: flex; flex-wrap: wrap; gap: 2px 14px; padding: 4px 0;
    border-bottom: 1px solid {BORDER}; }}
  .{cls} table td {{ display: block; border: none; padding: 0 2px; order: 2; max-width: 100%; }}
  .{cls} table td.ade-num {{ text-align: left; }}
  .{cls} table td.ade-first {{ order: 1; }}
  .{cls} td::before {{ content: attr(data-label); display: block; font-size: 11px;
    color: {MUTED}; font-family: var(--jp-ui-font-family, sans-serif); }}
  .{cls} .ade-scroll {{ max-width: calc(100cqw - 8px); }}
}}
"""
