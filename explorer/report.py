"""The agreement report: verdict bands, one row per node, text / HTML / dicts."""

import html
import math
import re
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
# a number in e-notation: a browser breaks a line after its hyphen ("5e-" / "06")
_E_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d.]*e[-+]\d+")
MAX_SHOWN = 60  # rows a printed report shows (every disagreement first); rows holds all
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


@dataclass
class Direction:
    """The whole gradient in one number: u · ∇f from backprop's grads against the
    central difference of f along u (u a random ±1 on each of ``n`` variables,
    drawn with ``seed``). ``difference`` is the Difference, or the DomainError
    saying why there is none."""

    n: int
    seed: int
    dot: float
    difference: object

    @property
    def value(self):
        d = self.difference
        return None if isinstance(d, Exception) else d.value

    @property
    def rel_error(self):
        d = self.difference
        return math.nan if isinstance(d, Exception) else d.rel_error(self.dot, 1e-8)

    @property
    def verdict(self):
        if isinstance(self.difference, Exception):
            return "none"
        v = verdict(self.rel_error)
        return "kink" if v in AGREE and self.difference.kind == "kink" else v

    @property
    def agrees(self):
        return self.verdict in AGREE or self.verdict == "none"

    def line(self):
        head = f"direction u (random ±1 on each of the {self.n} variables, seed {self.seed}): "
        if isinstance(self.difference, Exception):
            return head + f"u·∇f = {fmt_num(self.dot)}, no difference along u: {self.difference}"
        d = self.difference
        if d.kind == "kink":  # the mean of two one-sided slopes means nothing: show both
            left, right = d.slopes
            along = f"a kink along u, one-sided slopes {fmt_num(left)} and {fmt_num(right)}"
        else:
            along = f"central difference along u = {fmt_num(d.value)}"
        return head + (
            f"u·∇f = {fmt_num(self.dot)} (backprop), {along} (h {d.h:.0e}), "
            f"rel error {self.rel_error:.1e}: {self.verdict}"
        )

    def to_dict(self):
        return {
            "n": self.n,
            "seed": self.seed,
            "dot": _json_num(self.dot),
            "finite_diff": _json_num(self.value),
            "rel_error": _json_num(self.rel_error),
            "verdict": self.verdict,
        }


def _listed(names, most):
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _json_num(x):
    return None if x is None or not math.isfinite(x) else x


class CheckReport:
    """The result of ``check``: ``rows``, ``ok``, ``skipped`` (column -> reason),
    ``root_value``; prints as an aligned table, renders as HTML in Jupyter."""

    max_shown = MAX_SHOWN  # rows the table shows; ``rows`` holds every one

    def __init__(
        self,
        rows,
        skipped,
        root_value,
        root_label,
        h,
        checked=None,
        direction=None,
        carried=None,
        resent=0,
    ):
        self.rows = rows
        self.skipped = skipped
        self.root_value = root_value
        self.root_label = root_label
        self.h = h
        self.checked = len(rows) if checked is None else checked  # nodes asked for
        self.direction = direction  # a Direction, or None
        self.carried = carried or {}  # label -> backward() passes summed in its grad
        self.resent = resent  # other nodes of the graph whose grad sums several passes

    @property
    def ok(self):
        """True when at least one node was checked, every checked node agrees, and
        so does the whole gradient along a random direction."""
        good = bool(self.rows) and all(r.agrees for r in self.rows)
        return good and (self.direction is None or self.direction.agrees)

    def shown(self):
        """The rows the table shows: all of them up to ``max_shown``; past that,
        every disagreement, then the largest errors, in the graph's order."""
        if len(self.rows) <= self.max_shown:
            return list(self.rows)

        def badness(r):
            e = r.rel_error
            return (r.agrees, -(math.inf if math.isnan(e) else e))

        keep = set(map(id, sorted(self.rows, key=badness)[: self.max_shown]))
        return [r for r in self.rows if id(r) in keep]

    def coverage(self):
        """One line: how many nodes were checked, how many rows the table shows."""
        n, shown = len(self.rows), len(self.shown())
        counts = ", ".join(
            f"{col.replace('_', ' ')} {sum(getattr(r, col) is not None for r in self.rows)}"
            for col in COLUMNS
        )
        what = f"checked {n} of {self.checked} nodes ({counts})"
        if shown < n:
            worst = "every disagreement, then " if not self.ok else ""
            return (
                f"{what}; the table shows {shown} of the {n} rows ({worst}the largest "
                "errors; report.rows holds them all)"
            )
        return what

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
            "checked": self.checked,
            "direction": None if self.direction is None else self.direction.to_dict(),
            "carried": dict(self.carried),
            "resent": self.resent,
            "rows": self.to_dicts(),
        }

    def summary(self):
        """One line: does everything agree, and if not, which nodes (and why, when
        backward() was called again without zero_grad())."""
        if not self.rows:
            return "nothing was checked"
        bad = [r.label for r in self.rows if not r.agrees]
        if not bad:
            text = f"all {len(self.rows)} gradients agree" if len(self.rows) > 1 else "it agrees"
            if self.direction is not None and not self.direction.agrees:
                text += ", but not the gradient along a random direction"
        else:
            text = f"{len(bad)} of {len(self.rows)} gradients disagree: {_listed(bad, 12)}"
        return text + self.carried_note(bad)

    def carried_note(self, bad=()):
        """Why the grads are too large when backward() ran over grads an earlier
        backward() left (the lecture's chapter 14 bug), or ''."""
        fix = (
            "gradients accumulate (+=), so call zero_grad() (or set p.grad = 0 for each "
            "parameter) before each backward()"
        )
        if self.carried:
            most = max(self.carried.values())
            passes = f"the sum of {'up to ' if most > 2 else ''}{most} backward() passes"
            if bad and set(bad) <= set(self.carried):
                who = "each of them holds" if len(bad) > 1 else "it holds"
            else:
                names = sorted(self.carried, key=lambda k: -self.carried[k])
                who = f"{_listed(names, 8)} {'hold' if len(names) > 1 else 'holds'}"
            return f"; {who} {passes}: {fix}"
        if self.resent:
            return (
                f"; {self.resent} inner nodes still held grads from an earlier backward() "
                f"of this graph, and backward() sent them on again: {fix} (zero_grad() on "
                "the output zeroes every node of its graph)"
            )
        return ""

    def _cells(self, rows=None):
        for r in self.rows if rows is None else rows:
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
        cells = list(self._cells(self.shown()))
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
        out += [f"note {r.label}: {r.note}" for r in self.shown() if r.note]
        out += [f"skipped {k.replace('_', ' ')}: {why}" for k, why in self.skipped.items()]
        if self.direction is not None:
            out.append(self.direction.line())
        out.append(self.coverage())
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
        shown = self.shown()
        for r, c in zip(shown, self._cells(shown)):
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
        notes = [f"{e(r.label)}: {e(r.note)}" for r in shown if r.note]
        notes += [f"skipped {e(k.replace('_', ' '))}: {e(w)}" for k, w in self.skipped.items()]
        if self.direction is not None:
            notes.append(e(self.direction.line()))
        notes.append(e(self.coverage()))
        state = "good" if self.ok else "wrong"
        return (
            f"<div class='ade-check'><style>{table_css('ade-check', '760px')}</style>"
            f"<p><b>{e(self.root_label)}</b> = {e(fmt_num(self.root_value))} "
            f"<span class='ade-muted'>(h = {self.h:g})</span></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + "".join(f"<p class='ade-muted'>{_unbroken(n)}</p>" for n in notes)
            + f"<p><span class='ade-status ade-check-summary' style='color:{STATUS[state]};"
            f"background:{tint(state)};padding:2px 6px;font-weight:bold'>"
            f"{e(self.summary())}</span></p></div>"
        )


def _unbroken(text):
    """HTML text with each e-notation number kept on one line."""
    return _E_NUMBER.sub(lambda m: f"<span style='white-space:nowrap'>{m.group()}</span>", text)
