"""The worst input of each kind against the budgets (issue 22): CPU seconds and peak
memory of one fresh process per input, graphviz's dot included (a child's usage is
counted when it is reaped, and ``os.wait4`` gives the process's with its children's).

    python tests/benchmarks/bench_budgets.py          # prints a Markdown table

Each input is the largest the default budgets let through, or one they refuse (then
the row is the cost of the refusal and of what is still shown). Under ``make bench``
the rows go to docs/performance.md with the rest.
"""

import os
import subprocess
import sys
import textwrap
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELUDE = """
import engine
from explorer import check, draw, parse
def built(text, **v):
    r = parse(text, **v)
    r.backward()
    return r
def nested(fn, n):
    t = "x"
    for _ in range(n):
        t = f"{fn}(x-1+{t})"
    return t
"""

CASES = [
    (
        "CLI, 100-term `x+x+…+x` with `--svg` (drawing refused, table shown)",
        "cli",
        ["+".join(["x"] * 100), "--at", "x=1", "--svg", "/tmp/bench_budgets.svg"],
    ),
    (
        "CLI, 40-term `x+x+…+x` with `--svg` (the largest such drawing inside the budget)",
        "cli",
        ["+".join(["x"] * 40), "--at", "x=1", "--svg", "/tmp/bench_budgets.svg"],
    ),
    (
        "CLI, 40-term `x/x/…/x` with `--svg`",
        "cli",
        ["/".join(["x"] * 40), "--at", "x=1", "--svg", "/tmp/bench_budgets.svg"],
    ),
    (
        "CLI, 60 products of 8 shared variables summed, with `--svg` (inside the budget)",
        "cli",
        [
            "+".join(f"x{i % 5}*y{i % 3}" for i in range(60)),
            "--at",
            *(f"x{i}=1.5" for i in range(5)),
            *(f"y{i}=0.5" for i in range(3)),
            "--svg",
            "/tmp/bench_budgets.svg",
        ],
    ),
    (
        "`draw(…).pipe()`, 500 nodes (max_nodes), formulas on every node",
        "py",
        'r = built("+".join(f"tanh(a{i}*b{i})" for i in range(83)), '
        '**{f"a{i}": 0.1 for i in range(83)}, **{f"b{i}": 0.2 for i in range(83)})\n'
        'draw(r, formulas="grad").pipe("svg")',
    ),
    (
        "dot past its wall-clock limit (budget lifted, 10 s limit): killed",
        "py",
        'r = built("+".join(["x"] * 90), x=1.0)\n'
        "from explorer.render import DrawingTimeout\n"
        "try:\n    draw(r, max_layout=10**9).pipe('svg')\nexcept DrawingTimeout:\n    pass",
    ),
    (
        "`hessian_expr` of `abs(x-1+abs(…))` 16 deep",
        "py",
        'engine.hessian(built(nested("abs", 16), x=0.3))',
    ),
    (
        "`hessian_expr` of `relu(x-1+relu(…))` 16 deep",
        "py",
        'engine.hessian(built(nested("relu", 16), x=0.3))',
    ),
    (
        "Hessian at its budget's edge (tree × n² ≈ 4,000: 3 variables, 434 operations)",
        "py",
        'engine.hessian(built("+".join(f"tanh({i % 7 + 1}*x*y+{i}*z - x)" for i in range(29)), '
        "x=0.3, y=0.2, z=0.1))",
    ),
    (
        "nudge + step_size + descent panels on `abs(…)` 12 deep",
        "py",
        "from widgets.nudge import Nudge\nfrom widgets.step_size import StepSize\n"
        "from widgets.descent import Descent\n"
        't = nested("abs", 12)\nNudge(built(t, x=0.3))\nStepSize(t, x=0.3)\nDescent(t, start=0.3)',
    ),
    (
        "descent past the closed-form Hessian's budget (70 tanh terms, 3 variables: numeric)",
        "py",
        "from widgets.descent import Descent\n"
        'Descent(built("+".join(f"tanh({i % 7 + 1}*x*y+{i}*z - x)" for i in range(70)), '
        "x=0.3, y=0.2, z=0.1), lr=0.01, steps=10)",
    ),
    (
        "`engine.primitive` with a correct partial in exponential form",
        "py",
        "fwd = lambda m, x: (m.exp(x) - m.exp(-x)) / (m.exp(x) + m.exp(-x)) * m.exp(-(x**2))\n"
        "def partials(m, out, x):\n"
        "    e, f, g = m.exp(x), m.exp(-x), m.exp(-(x**2))\n"
        "    th = (e - f) / (e + f)\n"
        "    return ((1 - th**2) * g + th * (-2 * x) * g + 0 * (e + f) ** 3 * (e - f) ** 2,)\n"
        'engine.primitive("tanh_gauss", fwd, partials)',
    ),
    (
        "`check` with underflow: `sqrt(x**2 + y**2)` at (3e-162, 4e-162), 50-digit column",
        "py",
        'check("sqrt(x**2 + y**2)", x=3e-162, y=4e-162)',
    ),
]


def measure(kind, payload):
    if kind == "cli":
        cmd = [sys.executable, "-m", "explorer", *payload]
    else:
        cmd = [sys.executable, "-c", textwrap.dedent(PRELUDE) + payload]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return cpu, usage.ru_maxrss / 1024, wall, proc.returncode, err


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common as C

    args = C.parse(C.parser(__doc__.split("\n")[0]))
    rows = []
    print("| input | CPU-s | peak MB | wall s |")
    print("|---|---:|---:|---:|")
    for label, kind, payload in CASES:
        cpu, mb, wall, rc, err = measure(kind, payload)
        fine = rc in (0, 1) if kind == "cli" else rc == 0
        flag = "" if fine else f" (exit {rc}: {err.strip().splitlines()[-1:]})"
        print(f"| {label}{flag} | {cpu:.2f} | {mb:.0f} | {wall:.1f} |", flush=True)
        rows.append(C.row("budgets: the worst input of each kind", "engine", label,
                          f"{cpu:.2f} CPU-s, peak {mb:.0f} MB", flag="" if fine else "FAILED",
                          note=flag.strip()))  # fmt: skip
    C.emit(rows, args.json)


if __name__ == "__main__":
    main()
