"""The descent panel's picture: where the steps went (left) and how each step's
predicted change compared with the actual one (right).

Left: one variable, f over the range the steps cover with the steps on it; two
variables, f's contours with the path, the start and the optimum; more, f against
the step number with the distance to a known optimum. Right: the first-order
prediction g . dx, the second-order one g . dx + dx^T H dx / 2 and the actual
change, on a symmetric log scale when they span many decades.
"""

import io
import math

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from widgets._common import figure, num

GRID = 60  # contour grid points per side
MARKERS_UP_TO = 60  # steps: past that, lines only (markers would be a smear)


def draw(panel, ascent):
    fig = figure(9.0, 4.0)
    n = len(panel.vars)
    # more than two variables: room between the plots for the distance's own axis;
    # below the left plot, room for its legend (inside, it covered the path)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.26, wspace=0.5 if n > 2 else 0.3)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    traj = [p for p in panel.trajectory if math.isfinite(p["f"])]
    many = len(traj) > MARKERS_UP_TO
    if n == 1:
        _one(left, panel, traj, many)
    elif n == 2:
        _contours(left, panel, traj, many)
    else:
        _against_steps(left, panel, traj, many)
    method = panel.method.value
    rate = f", rate {float(panel.lr.value):.4g}" if method in ("gradient", "momentum") else ""
    left.set_title(f"{'ascent' if ascent else 'descent'} by {method}{rate}", fontsize=10, y=1.0)
    _predictions(right, traj, many)
    return _png(fig)


def _legend_below(ax):
    """The legend under the plot, off the path and the curve it would cover."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2,
              frameon=False, handlelength=1.5, columnspacing=1.0)  # fmt: skip


def _png(fig):
    """PNG bytes, fast: zlib's lightest level (a plot is flat colour: the bytes
    come out the same size) and 80 dpi."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _one(ax, panel, traj, many):
    xs = np.array([p["x"][0] for p in traj])
    fs = np.array([p["f"] for p in traj])
    pts = list(xs) + ([panel.optimum["x"][0]] if panel.optimum is not None else [])
    lo, hi = min(pts), max(pts)
    pad = max(0.25 * (hi - lo), 0.5)
    grid = np.linspace(lo - pad, hi + pad, 200)
    ax.plot(grid, [panel.f_at([g]) for g in grid], color="gray", lw=1.2, label="f")
    ax.plot(xs, fs, "-" if many else "o-", color="tab:red", ms=4, lw=1, label="steps")
    ax.plot(xs[:1], fs[:1], "s", color="black", ms=6, label="start")
    if panel.optimum is not None:
        ax.plot([panel.optimum["x"][0]], [panel.optimum["f"]], "*", color="tab:green",
                ms=14, label=f"optimum f* = {num(panel.optimum['f'], 4)}")  # fmt: skip
    ax.set_xlabel(panel.names[0])
    ax.set_ylabel(panel.fname)
    _legend_below(ax)


def _contours(ax, panel, traj, many):
    """f's level sets over a box around the path and the optimum."""
    P = np.array([p["x"] for p in traj])
    pts = P if panel.optimum is None else np.vstack([P, [panel.optimum["x"]]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.15 * (hi - lo), 0.5)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
    Z = np.array([[panel.f_at([a, b]) for a in gx] for b in gy], dtype=float)
    finite = Z[np.isfinite(Z)]
    if finite.size > 1 and finite.max() > finite.min():
        # levels evenly spaced in log(f - min): a valley's floor and its walls both show
        base = finite.min()
        levels = np.unique(base + np.geomspace(1e-3, 1, 14) * (finite.max() - base))
        ax.contour(gx, gy, np.where(np.isfinite(Z), Z, np.nan), levels=levels,
                   cmap="viridis", linewidths=0.8)  # fmt: skip
    ax.plot(P[:, 0], P[:, 1], "-" if many else "o-", color="tab:red", ms=3, lw=1,
            label="path")  # fmt: skip
    ax.plot(P[:1, 0], P[:1, 1], "s", color="black", ms=6, label="start")
    if panel.optimum is not None:
        ax.plot(*panel.optimum["x"], "*", color="tab:green", ms=14, label="optimum")
    ax.set_xlabel(panel.names[0])
    ax.set_ylabel(panel.names[1])
    for axis in (ax.xaxis, ax.yaxis):  # each tick label is text to render: a few suffice
        axis.set_major_locator(MaxNLocator(nbins=5))
    _legend_below(ax)


def _against_steps(ax, panel, traj, many):
    fs = [p["f"] for p in traj]
    ax.plot(range(len(fs)), fs, "-" if many else "o-", color="tab:red", ms=4, lw=1,
            label=panel.fname)  # fmt: skip
    ax.set_xlabel("step k")
    ax.set_ylabel(panel.fname)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    if panel.optimum is not None:
        ax.axhline(panel.optimum["f"], color="tab:green", ls="--", label=f"{panel.fname}*")
        twin = ax.twinx()
        dist = [max(math.dist(p["x"], panel.optimum["x"]), 1e-300) for p in traj]
        twin.semilogy(range(len(dist)), dist, color="tab:purple", lw=1, ls=":")
        twin.set_ylabel("distance to optimum (dotted)", color="tab:purple", fontsize=8)
    _legend_below(ax)


def _predictions(ax, traj, many):
    ks = [k for k, p in enumerate(traj) if "actual" in p and "predicted" in p]
    first = [traj[k]["predicted"] for k in ks]
    second = [traj[k].get("predicted2", math.nan) for k in ks]
    act = [traj[k]["actual"] for k in ks]
    style = dict(ms=4, lw=1)
    ax.plot(ks, first, "-" if many else "o-", color="tab:blue",
            label="1st order: g · Δx", **style)  # fmt: skip
    ax.plot(ks, second, "-" if many else "^-", color="tab:green",
            label="2nd order: + ½ Δxᵀ H Δx", **style)  # fmt: skip
    ax.plot(ks, act, "--" if many else "s--", color="tab:orange",
            label="actual: f(x+Δx) − f(x)", **style)  # fmt: skip
    ax.axhline(0, color="gray", lw=0.8)
    values = [abs(v) for v in first + act if math.isfinite(v) and v != 0]
    if values and max(values) > 1e3 * min(values):
        # linear within the smallest change, logarithmic outside, a tick per 2 decades
        lin = max(min(values), max(values) * 1e-9)
        ax.set_yscale("symlog", linthresh=lin)
        ax.yaxis.set_major_locator(FixedLocator(_symlog_ticks(first + act, lin)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}" if v else "0"))
        ax.yaxis.set_minor_locator(NullLocator())  # symlog's minor ticks: a fifth of a redraw
    ax.set_xlabel("step k")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    # a fixed title position: placing it automatically measures every tick label
    ax.set_title("each step's change of f: predicted vs actual", fontsize=10, y=1.0)
    ax.legend(fontsize=8, loc="best")


def _symlog_ticks(values, lin):
    """0 and +-10^k every other decade above the linear zone, on the sides used."""
    finite = [v for v in values if math.isfinite(v)]
    top = max(abs(v) for v in finite)
    ks = range(math.ceil(math.log10(lin)), math.floor(math.log10(top)) + 1)
    ks = [k for k in ks if (k - ks[-1]) % 2 == 0] if ks else []
    ticks = [0.0]
    if any(v > 0 for v in finite):
        ticks += [10.0**k for k in ks]
    if any(v < 0 for v in finite):
        ticks += [-(10.0**k) for k in ks]
    return sorted(ticks)
