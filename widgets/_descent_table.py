"""The descent panel's table of steps: one row per point of the trajectory.

It fits the narrowest column a panel gets (a cell output about 570 px wide: a 1000
px window with JupyterLab's file browser open) with nothing scrolling, sideways or
inside a box of its own:

- the columns are as narrow as their numbers: the step k, the point, f, |grad|,
  then the change of f, predicted (to first and to second order) and actual, under
  a two-line heading ("Δf predicted" over "1st order" and "2nd order");
- the point is one column: a variable's value, or for two to four variables their
  values in one cell, which wraps between them when the column is narrow; for more
  (a network's loss) the distance moved from the start, |x − x₀|, since hundreds of
  coordinates per row are no table;
- a long run shows its first and last ``EDGE`` points with one row saying how many
  are left out (the panel's ``.trajectory`` holds them all, and the picture draws
  them all), so the table is never taller than about 30 rows.
"""

import html
import math

from widgets._common import num

EDGE = 12  # points shown at either end of a long run
POINT_COLUMNS = 4  # variables listed in the point's cell; more get |x - x0|

CSS = (
    ".ade-steps { font-family: var(--jp-code-font-family, monospace); font-size: 12px;"
    " line-height: 1.35; border-collapse: collapse; max-width: 100%; }"
    ".ade-steps td, .ade-steps th { padding: 0 4px; text-align: right; vertical-align: top; }"
    # a number is never broken (a browser breaks "-1.2e-05" after its hyphens)
    ".ade-steps td { white-space: nowrap; }"
    ".ade-steps th { font-weight: 600; vertical-align: bottom; white-space: normal; }"
    ".ade-steps th.ade-steps-group { text-align: center; }"
    ".ade-steps td.ade-steps-point { white-space: normal; }"
    ".ade-steps td.ade-steps-point span { white-space: nowrap; }"
    ".ade-steps td.ade-steps-gap { text-align: left; }"
)


def steps_table(trajectory, names, fname="f"):
    """The HTML table of ``trajectory`` (the descent panel's list of points, each
    with ``x``, ``f``, ``grad`` and, but for the last, ``predicted``,
    ``predicted2`` and ``actual``) over the variables ``names``."""
    n = len(names)
    if n == 1:
        point_head = names[0]
    elif n <= POINT_COLUMNS:
        point_head = ", ".join(names)
    else:
        point_head = "|x − x₀|"
    start = trajectory[0]["x"]
    esc = html.escape
    head = (
        '<tr class="ade-steps-head">'
        '<th rowspan="2">k</th>'
        f'<th rowspan="2">{esc(point_head)}</th>'
        f'<th rowspan="2">{esc(fname)}</th>'
        '<th rowspan="2">|grad|</th>'
        f'<th colspan="2" class="ade-steps-group">Δ{esc(fname)} predicted</th>'
        f'<th rowspan="2">Δ{esc(fname)} actual</th></tr>'
        '<tr class="ade-steps-head"><th>1st order</th><th>2nd order</th></tr>'
    )
    if len(trajectory) <= 2 * EDGE + 1:
        shown = list(enumerate(trajectory))
    else:
        last = len(trajectory) - EDGE
        shown = list(enumerate(trajectory[:EDGE])) + [None]
        shown += [(last + i, p) for i, p in enumerate(trajectory[last:])]
    rows = []
    for item in shown:
        if item is None:
            left_out = len(trajectory) - 2 * EDGE
            rows.append(
                f'<tr><td colspan="7" class="ade-steps-gap">… {left_out} steps not shown: '
                "the picture draws them all</td></tr>"
            )
            continue
        k, p = item
        if n <= POINT_COLUMNS:
            point = ", ".join(f"<span>{num(x)}</span>" for x in p["x"])
        else:
            point = num(math.dist(p["x"], start))
        gnorm = math.sqrt(sum(g * g for g in p["grad"]))
        # the changes to 4 digits, enough to compare them
        changes = "".join(
            f"<td>{num(p.get(c), 4)}</td>" for c in ("predicted", "predicted2", "actual")
        )
        rows.append(
            f'<tr><td>{k}</td><td class="ade-steps-point">{point}</td><td>{num(p["f"])}</td>'
            f"<td>{num(gnorm, 4)}</td>{changes}</tr>"
        )
    return f'<style>{CSS}</style><table class="ade-steps">{head}{"".join(rows)}</table>'
