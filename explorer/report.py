"""The agreement report: verdict bands, one row per node, text / HTML / dicts."""

import html
import math
from dataclasses import dataclass, field

from explorer._common import fmt_num
from explorer.theme import STATUS, table_css, tint

# CS231n's bands on the relative error.
BANDS = (("good", 1e-7), ("ok", 1e-4), ("doubtful", 1e-2))
BANDS_OK = BANDS[1][1]
# 'kink': at a kink, backprop's subgradient lies between the one-sided slopes
AGREE = frozenset({"good", "ok", "kink"})
# graphviz's node fills (light in either theme: the drawing keeps dark text on them)
COLOURS = {
    "good": "#c7ebc7",
    "ok": "#e3f2c1",
    "kink": "#cfe3f7",
    "doubtful": "#ffe0a3",
    "wrong": "#ffb3b3",
}
COLUMNS = ("closed_form", "oracle", "finite_diff")
_HEAD = (
    "node",
    "value",
    "grad",
    "closed form",
    "oracle",
    "finite diff",
    "h",
    "rel error",
    "verdict",
)


def verdict(rel_error):
    """'good' (<= 1e-7), 'ok' (<= 1e-4), 'doubtful' (<= 1e-2) or 'wrong' (worse, or nan)."""
    if rel_error is None or math.isnan(rel_error):
        return "wrong"
    for name, bound in BANDS:
        if rel_error <= bound:
            return name
    return "wrong"


@dataclass
class CheckRow:
    """One node: backprop's grad against the closed form, the oracle and the finite
    difference (None where skipped); the worst relative error and its verdict."""

    node: object
    label: str
    value: float
    grad: float
    closed_form: float | None
    oracle: float | None
    finite_diff: float | None
    rel_error: float
    verdict: str
    rel_errors: dict = field(default_factory=dict)  # column -> relative error against grad
    note: str = ""
    h: float | None = None  # the finite difference's step

    @property
    def agrees(self):
        return self.verdict in AGREE


def _json_num(x):
    return None if x is None or not math.isfinite(x) else x


class CheckReport:
    """The result of ``check``: ``rows``, ``ok``, ``skipped`` (column -> reason),
    ``root_value``; prints as an aligned table, renders as HTML in Jupyter."""

    def __init__(self, rows, skipped, root_value, root_label, h):
        self.rows = rows
        self.skipped = skipped
        self.root_value = root_value
        self.root_label = root_label
        self.h = h

    @property
    def ok(self):
        """True when at least one node was checked and every checked node agrees."""
        return bool(self.rows) and all(r.agrees for r in self.rows)

    @property
    def flagged(self):
        """The nodes whose gradient disagrees (verdict doubtful or wrong)."""
        return [r.node for r in self.rows if not r.agrees]

    def verdicts(self):
        """{node: verdict}, as ``draw(verdicts=...)`` takes it."""
        return {r.node: r.verdict for r in self.rows}

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def to_dicts(self):
        """One plain dict per row (JSON-able: no nodes, nan and inf become None)."""
        out = []
        for r in self.rows:
            out.append(
                {
                    "label": r.label,
                    "value": _json_num(r.value),
                    "grad": _json_num(r.grad),
                    "closed_form": _json_num(r.closed_form),
                    "oracle": _json_num(r.oracle),
                    "finite_diff": _json_num(r.finite_diff),
                    "rel_error": _json_num(r.rel_error),
                    "rel_errors": {k: _json_num(v) for k, v in r.rel_errors.items()},
                    "verdict": r.verdict,
                    "note": r.note,
                    "h": r.h,
                }
            )
        return out

    def to_dict(self):
        """The whole report as a plain dict: value, ok, h, skipped and rows."""
        return {
            "root": self.root_label,
            "value": _json_num(self.root_value),
            "ok": self.ok,
            "h": self.h,
            "skipped": dict(self.skipped),
            "rows": self.to_dicts(),
        }

    def summary(self):
        """One line: does everything agree, and if not, which nodes."""
        if not self.rows:
            return "nothing was checked"
        bad = [r.label for r in self.rows if not r.agrees]
        if not bad:
            return f"all {len(self.rows)} gradients agree" if len(self.rows) > 1 else "it agrees"
        return f"{len(bad)} of {len(self.rows)} gradients disagree: {', '.join(bad)}"

    def _cells(self):
        for r in self.rows:
            yield (
                r.label,
                fmt_num(r.value),
                fmt_num(r.grad),
                fmt_num(r.closed_form),
                fmt_num(r.oracle),
                fmt_num(r.finite_diff),
                "—" if r.h is None else f"{r.h:.0e}",
                "nan" if math.isnan(r.rel_error) else f"{r.rel_error:.1e}",
                r.verdict,
            )

    def __str__(self):
        cells = list(self._cells())
        widths = [max(len(c[j]) for c in [_HEAD, *cells]) for j in range(len(_HEAD))]

        def line(c):
            parts = [c[0].ljust(widths[0])]
            parts += [x.rjust(w) for x, w in zip(c[1:-1], widths[1:-1])]
            return "  ".join(parts + [c[-1]]).rstrip()

        out = [
            f"{self.root_label} = {fmt_num(self.root_value)}   (finite differences: "
            f"step h·max(1, |x|), h = {self.h:g}, smaller where needed)"
        ]
        out += [line(_HEAD), line(["-" * w for w in widths])]
        out += [line(c) for c in cells]
        out += [f"note {r.label}: {r.note}" for r in self.rows if r.note]
        out += [f"skipped {k.replace('_', ' ')}: {why}" for k, why in self.skipped.items()]
        out.append(self.summary())
        return "\n".join(out)

    def __repr__(self):
        return f"<CheckReport {self.root_label}: {self.summary()}>"

    def _repr_html_(self):
        """A table that follows the theme (tinted verdict cells, the theme's text)
        and reflows in a narrow column: each row's cells wrap under its name and
        verdict, so no column is ever off-screen."""
        e = html.escape
        right = set(_HEAD[1:-1])
        head = "".join(
            f"<th style='text-align:{'right' if h in right else 'left'}'>{e(h)}</th>" for h in _HEAD
        )
        body = []
        for r, c in zip(self.rows, self._cells()):
            tds = "".join(
                f"<td class='ade-num' data-label='{e(h)}'>{e(x)}</td>"
                for h, x in zip(_HEAD[1:-1], c[1:-1])
            )
            body.append(
                f"<tr class='ade-check-row'><td class='ade-first' data-label='node' "
                "style='text-align:left'>"
                f"<b>{e(c[0])}</b></td>{tds}"
                f"<td class='ade-first ade-check-verdict ade-verdict-{e(r.verdict)}' "
                f"data-label='verdict' style='background:{tint(r.verdict)};text-align:left'>"
                f"<span class='ade-status' style='color:{STATUS[r.verdict]};font-weight:bold'>"
                f"{e(r.verdict)}</span></td></tr>"
            )
        notes = [f"{e(r.label)}: {e(r.note)}" for r in self.rows if r.note]
        notes += [f"skipped {e(k.replace('_', ' '))}: {e(w)}" for k, w in self.skipped.items()]
        state = "good" if self.ok else "wrong"
        return (
            f"<div class='ade-check'><style>{table_css('ade-check', '760px')}</style>"
            f"<p><b>{e(self.root_label)}</b> = {e(fmt_num(self.root_value))} "
            f"<span class='ade-muted'>(h = {self.h:g})</span></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + "".join(f"<p class='ade-muted'>{n}</p>" for n in notes)
            + f"<p><span class='ade-status ade-check-summary' style='color:{STATUS[state]};"
            f"background:{tint(state)};padding:2px 6px;font-weight:bold'>"
            f"{e(self.summary())}</span></p></div>"
        )
