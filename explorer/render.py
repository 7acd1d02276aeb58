"""Graphviz on a budget: the layout's cost estimated before ``dot`` starts, and
``dot`` itself run under a wall-clock limit that it cannot outlive.

**The estimate.** ``dot`` ranks the nodes left to right and gives every edge that
spans k ranks k - 1 invisible *virtual* nodes; its crossing minimisation then
works over real and virtual nodes together, and its time grows much faster than
their number. A value used all along a chain (``x + x + ... + x``: x feeds every
``+``) sends an edge across every rank, so n uses make about n^2 / 2 virtual
nodes: 40 x's are about 1,500 and lay out in under a second, 60 are about 3,400
and take tens of seconds. ``layout_work`` counts them from the graph, exactly as
``dot`` will rank it (a record per value, an op node before each result), in one
pass; ``draw`` refuses more than ``MAX_LAYOUT`` virtual nodes with a one-line
reason (its ``max_nodes`` bounds the real ones).

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

MAX_LAYOUT = 1600  # virtual nodes: about a second of dot at the limit
DOT_SECONDS = 10.0  # wall-clock limit on one dot run


class DrawingTimeout(BudgetError):
    """``dot`` ran past its wall-clock limit and was stopped."""


def layout_work(order):
    """(drawn nodes, virtual nodes) of the picture ``draw`` makes of ``order``, ranked
    as ``dot`` ranks it: an op node one rank after its latest computed input (0 when
    all its inputs are leaves), the result's record one after that, and a leaf as
    late as it can go, one rank before its first use (dot's ranking shortens edges).
    An edge from rank r to an op at rank s needs s - r - 1 virtual nodes."""
    rank, first_use, virtual, drawn = {}, {}, 0, 0
    for v in order:
        inputs = v.inputs
        if not inputs:
            drawn += 1
            continue
        drawn += 2
        op = 1 + max((rank[c] for c in inputs if c in rank), default=-1)
        for c in inputs:
            if c in rank:
                virtual += op - rank[c] - 1
            else:  # a leaf: placed at its first use, so later uses are the long edges
                first_use.setdefault(c, op)
                virtual += op - first_use[c]
        rank[v] = op + 1
    return drawn, virtual


def layout_budget(order, max_layout=MAX_LAYOUT):
    """Why graphviz would take too long to lay this graph out, in one line, or None."""
    drawn, virtual = layout_work(order)
    if virtual > max_layout:
        return (
            f"the drawing would take graphviz too long: its edges span {virtual:,} ranks "
            f"of the picture (limit {max_layout:,}; a value used by many operations along "
            "a chain makes them)"
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


def run_dot(cmd, data, seconds=DOT_SECONDS):
    """The stdout of graphviz's ``cmd`` fed ``data`` (bytes); raises
    ``DrawingTimeout`` past ``seconds`` of wall-clock time, after killing it."""
    if shutil.which(cmd[0]) is None:
        import graphviz

        raise graphviz.ExecutableNotFound(cmd)
    proc = subprocess.Popen(
        _command(cmd),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: killed as one
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
