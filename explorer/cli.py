"""The ``explorer`` command: an expression and values in, the agreement table out.

    explorer "tanh(x1*w1 + x2*w2 + b)" --at x1=2 w1=-3 x2=0 w2=1 b=6.8813735870195432
    explorer "x*y + exp(x)" --at x=1,y=2 --json
    explorer                     # the lecture's neuron; writes out/neuron.svg

Prints the forward value, the agreement table (each variable's backprop grad,
closed form, oracle and finite difference, with a verdict), and each variable's
closed-form derivative; writes the graph with ``--svg``/``--png``.

Exit status: 0 when every gradient agrees, 1 when a check fails, 2 on bad input
(one line on stderr, never a traceback).
"""

import argparse
import codecs
import contextlib
import json
import math
import re
import sys
from pathlib import Path

from engine import BudgetError, DomainError
from explorer._common import count_ops_at_most, pretty
from explorer.bugs import BUGS, inject_bug
from explorer.checking import check
from explorer.drawing import FORMULAS, draw
from explorer.lecture import lecture_neuron
from explorer.parsing import parse
from explorer.target import name_output

DEMO_SVG = Path("out") / "neuron.svg"
_BUG_OPS = {"tanh-precedence": "tanh", "assign-not-accumulate": "all"}


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own prints usage over several lines
        if "unrecognized arguments: -" in message or "expected one argument" in message:
            message += " (an expression that starts with '-' goes after --: explorer -- '-x*y')"
        raise _UsageError(message)


def _parser():
    p = _Parser(
        prog="explorer",
        description="Backprop, closed form, SymPy oracle and finite difference, side by side.",
        epilog="With no expression: the lecture's neuron, its graph written to out/neuron.svg. "
        "Exit status 0: all agree, 1: a check failed, 2: bad input.",
        allow_abbrev=False,
    )
    p.add_argument("expression", nargs="?", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
    p.add_argument(
        "--at",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="x=1 y=2 or x=1,y=2 (repeated --at add up; a name given twice is an error)",
    )
    p.add_argument("--h", type=float, default=1e-5, help="finite-difference step (1e-5)")
    p.add_argument("--all-nodes", action="store_true", help="check every node, not only variables")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--svg", metavar="PATH", help="write the graph as SVG")
    p.add_argument("--png", metavar="PATH", help="write the graph as PNG")
    p.add_argument(
        "--force", action="store_true", help="let --svg/--png replace a file that is not one"
    )
    p.add_argument(
        "--formulas",
        default="grad",
        choices=[str(f).lower() for f in FORMULAS],
        help="formulas in the graph's nodes (grad)",
    )
    p.add_argument("--max-nodes", type=int, default=500, help="largest graph to draw (500)")
    p.add_argument("--bug", choices=sorted(BUGS), help="inject a lecture bug into backward()")
    return p


def _values(tokens):
    """['x=1', 'y=2,z=3'] -> {'x': 1.0, 'y': 2.0, 'z': 3.0}, refusing anything else."""
    out = {}
    for part in (p.strip() for t in tokens for p in t.split(",")):
        if not part:
            continue
        name, eq, text = part.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not name:
            raise _UsageError(f"--at wants NAME=VALUE, got {part!r}")
        if name in out:
            raise _UsageError(f"--at gives {name!r} twice")
        try:
            x = float(text)
        except ValueError:
            raise _UsageError(f"--at {name}: {text!r} is not a number") from None
        if not math.isfinite(x):
            raise _UsageError(f"--at {name}: the value must be finite, got {text!r}")
        out[name] = x
    return out


def _argv(argv):
    """(the arguments for argparse, the expression taken as typed or None).

    An expression may start with '-' ("-x*y"): argparse would take it for an option.
    It is set aside and a placeholder parsed in its place, so the text reaches the
    parser exactly as typed (its length and the error columns are the user's)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options = {s for a in _parser()._actions for s in a.option_strings}
    if argv[:1] == ["--"] and len(argv) > 1:  # explorer -- "-x*y" --at x=1 y=2
        return ["_", *argv[2:]], argv[1]
    first = argv[0] if argv else ""
    looks_like_option = re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", first, re.S)
    if first.startswith("-") and first.split("=")[0] not in options and not looks_like_option:
        return ["_", *argv[1:]], first
    return argv, None


def _build(args):
    if args.expression is None:
        if args.at:
            raise _UsageError("--at needs an expression")
        return lecture_neuron(), "tanh(x1*w1 + x2*w2 + b)"
    values = _values(args.at)
    root = parse(args.expression, **values)
    name_output(root, set(values))  # f, unless a variable is called f
    return root, args.expression.strip()


_MAGIC = {"svg": (b"<?xml", b"<svg", b"<!--"), "png": (b"\x89PNG",)}


def _check_output(fmt, path, force):
    """Write only what was asked for, under its own extension; never replace a file
    of another kind unless forced."""
    if path.suffix.lower() != f".{fmt}":
        raise _UsageError(f"--{fmt} writes {fmt.upper()}: give a path ending in .{fmt}, got {path}")
    if path.is_dir():
        raise _UsageError(f"--{fmt}: {path} is a folder")
    if path.exists() and not force:
        with path.open("rb") as f:
            head = f.read(64).lstrip()
        if head and not head.startswith(_MAGIC[fmt]):
            raise _UsageError(
                f"--{fmt}: {path} exists and is not an {fmt.upper()} file; "
                "pass --force to replace it"
            )


def _closed_forms(report):
    out = {}
    for r in report.rows:
        try:
            e = r.node.grad_expr
        except (RuntimeError, ValueError):
            continue
        out[r.label] = e
    return out


def _write(root, report, args):
    """(paths written, why the graph was not drawn or ""): a drawing past its budget
    (too tangled for graphviz, or dot stopped at its time limit) is left out with a
    line, and the table is still shown."""
    written = []
    fmode = None if args.formulas == "none" else args.formulas
    for fmt, path in (("svg", args.svg), ("png", args.png)):
        if path:
            _check_output(fmt, Path(path), args.force)
            try:
                g = draw(
                    root,
                    formulas=fmode,
                    verdicts=report,
                    highlight=report.flagged,
                    max_nodes=args.max_nodes,
                )
                data = g.pipe(format=fmt)
            except BudgetError as e:
                return written, f"graph not drawn: {' '.join(str(e).split())}"
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(str(path))
    return written, ""


def _run(args):
    if not (0 < args.h < math.inf):
        raise _UsageError(f"--h must be a positive finite number, got {args.h}")
    if args.expression is None and args.svg is None:
        args.svg = str(DEMO_SVG)
    root, text = _build(args)
    bug = inject_bug(_BUG_OPS[args.bug], args.bug) if args.bug else contextlib.nullcontext()
    with bug:
        root.backward()
    report = check(root, h=args.h, nodes="all" if args.all_nodes else "variables")
    small = len(report.rows) <= 50
    closed = _closed_forms(report) if small and "closed_form" not in report.skipped else {}
    written, not_drawn = _write(root, report, args)
    if args.json:
        out = report.to_dict()
        out["expression"] = text
        out["closed_forms"] = {k: str(e) for k, e in closed.items()}
        out["written"] = written
        if not_drawn:
            out["not_drawn"] = not_drawn
        print(json.dumps(out, indent=2))
    else:
        print(f"{report.root_label} = {text}")
        print(report)
        R = report.root_label
        for name, e in closed.items():
            shown = pretty(e) if count_ops_at_most(e, 200) is not None else "(large)"
            print(f"∂{R}/∂{name} = {shown}")
        for path in written:
            print(f"wrote {path}")
        if not_drawn:
            print(not_drawn)
    return 0 if report.ok else 1


_ASCII = str.maketrans(
    {"∂": "d", "−": "-", "·": "*", "—": "-", "²": "^2", "³": "^3", "⁻": "^-", "…": "..."}
)


def _ascii_fallback(err):
    """A terminal that cannot show UTF-8 gets ASCII: ∂f/∂x, x², − and · spelt out."""
    bad = err.object[err.start : err.end]
    return bad.translate(_ASCII).encode("ascii", "replace").decode("ascii"), err.end


codecs.register_error("explorer-ascii", _ascii_fallback)


def _stdout_for_any_terminal():
    for stream in (sys.stdout, sys.stderr):
        enc = getattr(stream, "encoding", None) or "ascii"
        try:
            "∂−·²".encode(enc)
        except (UnicodeEncodeError, LookupError):
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(errors="explorer-ascii")


def main(argv=None):
    """Run the command; returns the exit status (0 agree, 1 a check failed, 2 bad input)."""
    _stdout_for_any_terminal()
    try:
        argv, typed = _argv(argv)
        args = _parser().parse_args(argv)
        if typed is not None:
            args.expression = typed
        return _run(args)
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # bad input, domain errors, unwritable paths, missing dot...
        msg = " ".join(str(e).split())
        if not isinstance(e, _UsageError | ValueError | DomainError) or not msg:
            msg = f"{type(e).__name__}: {msg}"
        print(f"explorer: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
