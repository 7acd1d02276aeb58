"""Graphviz on a budget: the layout's cost estimated before ``dot`` starts, and
``dot`` itself run under a wall-clock limit that it cannot outlive.

**The estimate.** ``dot`` ranks the nodes left to right and gives every edge that
spans k ranks k - 1 invisible *virtual* nodes; its crossing minimisation then
works over real and virtual nodes together, and its time grows much faster than
their number. A value used all along a chain (``x + x + ... + x``: x feeds every
``+``) sends an edge across every rank, so n uses make about n^2 / 2 virtual
nodes: 40 x's are about 1,500 and lay out in under a second, 60 are about 3,400
and take tens of seconds. ``layout_work`` estimates them from the graph in one
pass, ranked as ``dot`` ranks it (``layout_budget`` says what was measured);
``draw`` refuses past ``MAX_LAYOUT`` with a one-line reason (its ``max_nodes``
bounds the real nodes).

**The limit.** The estimate is a model; ``run_dot`` holds the real thing to
``DOT_SECONDS`` of wall-clock time. ``dot`` runs in a session of its own (its own
process group), so a timeout, a Ctrl-C or any error kills it and anything it
started, as a group; and with ``setpriv --pdeathsig`` (util-linux, where present)
the kernel kills it when the Python process dies however it dies (``kill -9``
included), so no ``dot`` is left running as an orphan.
"""

import os
import shutil
import signal
import subprocess

from engine import BudgetError

MAX_LAYOUT = 1600  # virtual nodes of one value's edges: about a second of dot at the limit
TOTAL_PER_VALUE = 5  # and of all edges: this many times as many
DOT_SECONDS = 10.0  # wall-clock limit on one dot run


class DrawingTimeout(BudgetError):
    """``dot`` ran past its wall-clock limit and was stopped."""


def layout_work(order):
    """(drawn nodes, virtual nodes, the most virtual nodes of one value's edges) of
    the picture ``draw`` makes of ``order`` (root last): a record per value, an op
    node before each result's record. ``dot`` ranks them so that edges are short;
    this estimate ranks every node as late as its uses allow (one rank before its
    earliest use, the root last), which is what shortening gives a tree-shaped part
    (a sum of separate terms: no long edge) and leaves the long edges of a value
    used all along a chain. An edge from rank r to rank s needs s - r - 1 virtual
    nodes."""
    if not order:
        return 0, 0, 0
    uses = {}  # node -> the nodes using it (their op nodes hold the edges)
    for v in order:
        for c in v.inputs:
            uses.setdefault(c, []).append(v)
    op_rank, rec_rank = {}, {}
    drawn, virtual, worst = 0, 0, 0
    for v in reversed(order):
        users = uses.get(v)
        rec_rank[v] = min(op_rank[w] for w in users) - 1 if users else 0
        if v.inputs:
            op_rank[v] = rec_rank[v] - 1
        drawn += 2 if v.inputs else 1
        mine = sum(op_rank[w] - rec_rank[v] - 1 for w in users or ())
        virtual += mine
        worst = max(worst, mine)
    return drawn, virtual, worst


def layout_budget(order, max_layout=MAX_LAYOUT):
    """Why graphviz would take too long to lay this graph out, in one line, or None.
    Measured here: one value's edges spanning 1,500 ranks (x + x + ... + x, 40 x's)
    lay out in under a second and 2,400 in several; many values' long edges cost
    less each (60 products of 8 shared variables, 6,700 in all: about 1.5 s)."""
    drawn, virtual, worst = layout_work(order)
    if worst > max_layout or virtual > TOTAL_PER_VALUE * max_layout:
        return (
            f"the drawing would take graphviz too long: its edges span {virtual:,} ranks "
            f"of the picture, {worst:,} of them from one value (limits "
            f"{TOTAL_PER_VALUE * max_layout:,} and {max_layout:,}; a value used by many "
            "operations along a chain makes them)"
        )
    return None


def _command(cmd):
    # the kernel kills dot when this process dies, even by SIGKILL (no orphan)
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *cmd] if setpriv else list(cmd)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # dot and anything it started
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_dot(cmd, data, seconds=DOT_SECONDS, cwd=None):
    """The stdout of graphviz's ``cmd`` fed ``data`` (bytes, or None), run in
    ``cwd``; raises ``DrawingTimeout`` past ``seconds`` of wall-clock time, after
    killing it."""
    cmd = [os.fspath(c) for c in cmd]
    if shutil.which(cmd[0]) is None:
        import graphviz

        raise graphviz.ExecutableNotFound(cmd)
    proc = subprocess.Popen(
        _command(cmd),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: killed as one
        cwd=cwd,
    )
    try:
        out, err = proc.communicate(data, timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise DrawingTimeout(
            f"graphviz's dot ran past {seconds:g} s and was stopped: the graph is too "
            "tangled to lay out; draw a part of it (draw(node) for an inner node)"
        ) from None
    except BaseException:  # Ctrl-C, or anything else: dot must not outlive the call
        _kill(proc)
        raise
    if proc.returncode != 0:
        import graphviz

        raise graphviz.CalledProcessError(proc.returncode, cmd, output=out, stderr=err)
    return out


def render_file(engine, format=None, filepath=None, renderer=None, formatter=None,
                neato_no_op=None, quiet=False, *, outfile=None,
                raise_if_result_exists=False, overwrite_filepath=False):  # fmt: skip
    """graphviz's ``backend.rendering.render`` (what ``Digraph.render`` calls: the
    source file at ``filepath`` to ``outfile``), with dot run by ``run_dot``."""
    import os
    import pathlib

    from graphviz import exceptions
    from graphviz.backend import dot_command
    from graphviz.backend import rendering as R

    if raise_if_result_exists and overwrite_filepath:
        raise ValueError("overwrite_filepath cannot be combined with raise_if_result_exists")
    filepath = None if filepath is None else pathlib.Path(filepath)
    outfile = None if outfile is None else pathlib.Path(outfile)
    if outfile is not None:
        format = R.get_format(outfile, format=format)
        filepath = filepath or R.get_filepath(outfile)
        if (
            not overwrite_filepath
            and outfile.name == filepath.name
            and outfile.resolve() == filepath.resolve()
        ):
            raise ValueError(f"outfile {outfile.name!r} must be different from input file")
        target = outfile.resolve() if outfile.parent != filepath.parent else outfile.name
        args = ["-o", os.fspath(target), filepath.name]
    elif filepath is None or format is None:
        raise exceptions.RequiredArgumentError("filepath and format are required")
    else:
        outfile = R.get_outfile(filepath, format=format, renderer=renderer, formatter=formatter)
        args = ["-O", filepath.name]
    if raise_if_result_exists and os.path.exists(outfile):
        raise exceptions.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
    cmd = dot_command.command(
        engine, format, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op
    )
    run_dot(cmd + args, None, cwd=filepath.parent if filepath.parent.parts else None)
    return os.fspath(outfile)
