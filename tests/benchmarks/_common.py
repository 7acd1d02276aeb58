"""What every benchmark script shares: flags, result rows, child processes, the table.

The protocol between ``run_all.py`` and a ``bench_*.py`` script:

- run_all runs each script as its own process with the user's flags (``--quick``,
  ``--steps N``, ...) and the environment variable ``BENCH_JSON`` naming a file.
- The script appends its result rows to that file as a JSON list (``emit``) and
  prints whatever detail it likes. A row is a dict::

      {"benchmark": "training (moons, 100 steps)", "system": "micrograd",
       "measure": "s/step", "value": 1.52, "unit": "s", "flag": "", "note": ""}

  ``value`` is a number or a short text; ``flag`` is empty when all is well, else a
  loud word (MISMATCH, FAILED, NOT MET, CAPPED, ...) that the table shows.
- A row may name its anchors (``anchors=("micrograd", "pytorch")``): the systems it
  is measured against. The ratio column shows value / the anchor's value for the
  same benchmark and measure, for each anchor that has one ("0.1x micrograd": a
  tenth of micrograd's time). Rows without anchors are compared with the engine.

Nothing here imports the engine, NumPy, SymPy or PyTorch, so a child process that
measures micrograd's memory carries no other library.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RESULT_TAG = "RESULT "  # a child's last stdout line: RESULT {json}
LOUD = ("MISMATCH", "FAILED", "ERROR", "TIMEOUT")  # flags that make run_all exit non-zero


def parser(description):
    """The flags every benchmark understands; a script adds its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes: everything in ~2 min")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 100)")
    p.add_argument("--json", default=os.environ.get("BENCH_JSON"), help="append rows here")
    return p


def parse(p):
    """Parse known flags; flags meant for other benchmarks (passed by run_all) are ignored."""
    args, unknown = p.parse_known_args()
    if unknown:
        print(f"(ignoring flags not for this benchmark: {' '.join(unknown)})")
    return args


def row(benchmark, system, measure, value, unit="", flag="", note="", anchors=()):
    return dict(benchmark=benchmark, system=system, measure=measure, value=value, unit=unit,
                flag=flag, note=note, anchors=list(anchors))  # fmt: skip


def emit(rows, path):
    """Print the rows as a table and append them to the JSON file run_all reads."""
    print()
    print(table(rows))
    if path:
        append_rows(path, rows)


def append_rows(path, rows):
    """Add rows to the JSON list in path (run_all's collection file)."""
    old = []
    if os.path.exists(path) and os.path.getsize(path):
        with open(path) as f:
            old = json.load(f)
    with open(path, "w") as f:
        json.dump(old + rows, f, indent=1)


# -- measuring -----------------------------------------------------------------
def rss_now_mb():
    """The resident set size of this process now, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    """The high-water mark of this process's resident set (getrusage ru_maxrss, KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_time(fn, min_reps=1, min_total=0.2, max_reps=50, clock=time.perf_counter, setup=None):
    """The best of repeated runs of fn(): at least min_reps runs, and more until
    min_total seconds are spent (at most max_reps); setup(), untimed, before each."""
    best, spent, reps = float("inf"), 0.0, 0
    while reps < max_reps and (reps < min_reps or spent < min_total):
        if setup is not None:
            setup()
        t = clock()
        fn()
        dt = clock() - t
        best, spent, reps = min(best, dt), spent + dt, reps + 1
    return best


def child(script, args, timeout):
    """Run ``python script args`` and return the dict it printed as ``RESULT {json}``.

    Never raises: a crash, a timeout or a missing result comes back as
    ``{"error": "...", "detail": "..."}``."""
    cmd = [sys.executable, os.path.join(HERE, script), *map(str, args)]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": "TIMEOUT", "detail": f"no result within {timeout:g} s", "wall": timeout}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            out = json.loads(line[len(RESULT_TAG) :])
            out.setdefault("wall", time.perf_counter() - t)
            return out
    tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-5:])
    return {"error": f"exit {p.returncode}", "detail": tail}


def result(obj):
    """A child's answer to its parent: one line, last on stdout."""
    print(RESULT_TAG + json.dumps(obj), flush=True)


# -- presenting ----------------------------------------------------------------
def fmt(x):
    """A number with 3 significant figures, no exponent for everyday sizes."""
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1e6:
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def ratios(rows):
    """For each row, its ratio text: value / each anchor's value for the same
    benchmark and measure ("0.1x micrograd, 80x pytorch"); without anchors, value /
    the engine's value ("3x engine"); "" where there is nothing to divide by."""
    values = {
        (r["benchmark"], r["measure"], r["system"]): r["value"]
        for r in rows
        if isinstance(r["value"], (int, float)) and not isinstance(r["value"], bool)
    }
    out = []
    for r in rows:
        v, parts = values.get((r["benchmark"], r["measure"], r["system"])), []
        anchors = r.get("anchors") or ([] if r["system"] == "engine" else ["engine"])
        for a in anchors:
            base = values.get((r["benchmark"], r["measure"], a))
            if v is not None and base and a != r["system"]:
                parts.append(f"{fmt(v / base)}x {a}")
        out.append(", ".join(parts))
    return out


def _cells(rows):
    head = ["benchmark", "system", "measure", "value", "ratio to anchor", "status", "note"]
    body = []
    for r, q in zip(rows, ratios(rows)):
        value = fmt(r["value"]) + (f" {r['unit']}" if r["unit"] else "")
        status = f"!! {r['flag']}" if r["flag"] else "ok"
        body.append([r["benchmark"], r["system"], r["measure"], value, q, status,
                     r.get("note", "")])  # fmt: skip
    return head, body


def table(rows):
    """The rows as an aligned text table."""
    head, body = _cells(rows)
    widths = [max(len(c) for c in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


def markdown(rows):
    """The rows as a Markdown table (pipes in cells escaped)."""
    head, body = _cells(rows)
    esc = lambda c: c.replace("|", "\\|")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(esc(c) for c in b) + " |" for b in body]
    return "\n".join(lines)


def machine():
    """What the numbers were measured on: CPU, cores, memory, Python, library versions."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            cpu = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        info["CPU"] = f"{cpu[0]} ({len(cpu)} logical cores)" if cpu else platform.processor()
    except OSError:
        info["CPU"] = platform.processor() or platform.machine()
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        info["memory"] = f"{kib / 2**20:.1f} GiB"
    except OSError:
        pass
    info["load average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["OS"] = platform.platform()
    info["Python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    versions = []
    for dist in ("autodiff-explorer", "sympy", "numpy", "torch", "micrograd"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    info["libraries"] = ", ".join(versions)
    try:
        git = lambda *a: subprocess.run(
            ["git", *a], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = (
            " + uncommitted changes in engine/" if git("status", "--porcelain", "engine") else ""
        )
        info["engine commit"] = git("rev-parse", "--short", "HEAD") + dirty
    except (OSError, subprocess.CalledProcessError):
        pass
    return info
