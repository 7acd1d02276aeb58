"""Every finite difference of a graph at once: one batched evaluation per step size.

``check`` compares every node it checks with a central difference. Taken one at a
time, each difference recomputes the graph four times (f at x ± s/2 and x ± s):
on micrograd's moons loss, 537 variables over 65,818 nodes, that is two million
node evaluations in Python. Here the graph is evaluated once for all of them: the
rule table's forwards run with a NumPy namespace (``VEC``) in place of ``math``, so
a node holds a vector with one entry per perturbed point (a *column*), and the
column of the point x_i ± s of variable i holds every other leaf at its data.

The search itself is ``explorer.difference.settle``, unchanged: each difference
asks for f at x0 ± s/2, x0 ± s; what it asks is answered from the batch, and a
difference that wants a smaller step is asked again in the next, smaller batch
(one per step size still wanted). So each difference has the step, the error
bound and the verdict ``difference`` would give it alone, and the same rules:

- a point whose evaluation leaves a rule's domain (its ``check``, or a result that
  is not finite) does not count, as a ``DomainError`` would not;
- a step that crosses a kink or a pole (the sign of ``kink_value``/``pole_value``
  of any node changes between x and the point) does not count;
- the first step is ``explorer.difference.first_step``'s: ``h max(1, |x|)``, no
  larger than a scale of the rule table divided by how fast that node moves with
  x (one forward-mode sweep of the local partials for all differences at once);
- the round-off terms sum the same nodes (every node after x in the order).

A *probe* is what is nudged: one node (a variable, or an intermediate node held
at the value given, as ``engine.vary`` does), or the variables together along a
direction u (``u · ∇f`` against the central difference along u: the whole gradient
in one number).

The graph's data are never changed: the batch reads each node's data and keeps
its vectors apart. A node's vector is freed after the last node that reads it,
so memory is the graph's widest cut times the columns, and the columns are cut
into chunks when that would be large.
"""

import numpy as np

from engine import RULES, DomainError
from engine.graph import inputs_of
from engine.local import rule_args
from explorer.difference import EPS, Difference, settle
from explorer.vecmath import VEC, vectorised

CHUNK_BYTES = 256 * 2**20  # the live vectors of one chunk of columns, at most
_ADD, _MUL = RULES["+"], RULES["*"]
_PASS = frozenset({_ADD, _MUL, RULES["affine"]})  # inf and nan in, inf or nan out


class Probe:
    """What one difference nudges: ``nodes`` (positions in the order) move with the
    probe's coordinate x as ``base + coef (x - x0)``; a single node is set to x
    itself (``vary``'s exact value, not x0 + (x - x0))."""

    def __init__(self, nodes, coefs, x0, first, at_kink, noise, along=False):
        self.nodes, self.coefs, self.x0 = nodes, coefs, x0
        self.along = along  # a direction: x0 = 0 is the distance moved along it
        self.first = first  # the first node after which the graph may move
        self.at_kink, self.noise = at_kink, noise
        self.step = None  # the first step, set by first_steps
        self.cache = {}  # step d -> [f(x0 + d/2), f(x0 + d)] or None
        self.evaluations = 0

    def values(self, x, base):
        if not self.along:
            return [x]
        return [base[i] + c * (x - self.x0) for i, c in zip(self.nodes, self.coefs)]


class BatchGraph:
    """A graph's order read once (inputs by position, rules, data, last uses,
    kinks and poles), for batched evaluations at many points."""

    def __init__(self, order, index):
        self.order = order
        self.base = [v.data for v in order]
        at = index.__getitem__
        self.inputs = [tuple(map(at, inputs_of(v))) for v in order]
        self.rules = [v.rule for v in order]
        self.extra = [  # what the rule takes after the inputs: k, for x ** k
            () if r is None or r in _PASS else tuple(rule_args(v)[len(ins) :])
            for v, r, ins in zip(order, self.rules, self.inputs)
        ]
        last = list(range(len(order)))
        for i, ins in enumerate(self.inputs):
            for c in ins:
                last[c] = i
        self.frees = [[] for _ in order]
        for c, i in enumerate(last):
            if i != c and c != len(order) - 1:
                self.frees[i].append(c)
        self.width = self._widest()
        # the kinks and poles: (position, switch function, sign at the data)
        self.watch = []
        zero = []  # positions of nodes exactly at a kink or a pole
        for i, v in enumerate(order):
            r = v.rule
            if r is None:
                continue
            for fn, value in ((r.kink, v.kink_value), (r.pole, v.pole_value)):
                s = None if fn is None else value()
                if s is not None:
                    self.watch.append((i, fn, (s > 0) - (s < 0)))
                    if s == 0:
                        zero.append(i)
        self.last_zero = max(zero, default=-1)
        # the round-off's sum over every node after i of |d f/d w| |w| (difference's noise)
        tail, acc = [0.0] * (len(order) + 1), 0.0
        for i in range(len(order) - 1, -1, -1):
            v = order[i]
            tail[i] = acc
            if self.inputs[i]:
                acc += abs(v.grad * v.data)
        self.tail = tail

    def _widest(self):
        live = most = 0
        for i in range(len(self.order)):
            live += 1 - len(self.frees[i])
            most = max(most, live)
        return most

    def node_probe(self, i):
        """The difference of node i (a variable, or an intermediate node held)."""
        return Probe([i], [1.0], self.base[i], i, self.last_zero > i, self.tail[i])

    def direction_probe(self, nodes, u, grads):
        """The difference along u of the variables at ``nodes`` together (x0 = 0);
        their own rounding (|x_i| eps, magnified by u_i d f/d x_i) joins the noise."""
        own = sum(abs(c * self.base[i] * g) for i, c, g in zip(nodes, u, grads))
        first = min(nodes)
        noise = self.tail[first] + own
        return Probe(nodes, u, 0.0, first, self.last_zero >= first, noise, along=True)

    # -- the first steps: one forward-mode sweep for every probe ---------------------
    def first_steps(self, probes, h):
        """Each probe's ``first_step``: ``h max(1, |x0|)`` (a direction: the largest
        |x_i| it moves), bounded by every scaled node's scale / |d node/d x|."""
        for p in probes:
            size = max(abs(self.base[i]) for i in p.nodes) if p.along else abs(p.x0)
            p.step = h * max(1.0, size)
        if not any(r is not None and r.scale is not None for r in self.rules):
            return
        step = np.array([p.step for p in probes])
        seeds = {}
        for j, p in enumerate(probes):
            for i, c in zip(p.nodes, p.coefs):
                seeds.setdefault(i, []).append((j, c))
        rate = [None] * len(self.order)
        for i, v in enumerate(self.order):
            ins = self.inputs[i]
            r = None
            if ins and any(rate[c] is not None for c in ins):
                try:
                    ds = v.local_grads()
                except (DomainError, TypeError):
                    ds = None
                if ds is not None and self.rules[i].scale is not None:
                    # the first input's scale, or a tuple: each input's (hypot, mod)
                    scale = v.linear_scale()
                    for c, sc in zip(ins, scale if isinstance(scale, tuple) else (scale,)):
                        moving = None if rate[c] is None or not sc else rate[c] != 0
                        if moving is not None and moving.any():
                            with np.errstate(over="ignore", invalid="ignore"):  # inf: no bound
                                bound = h * sc / np.abs(rate[c][moving])
                            step[moving] = np.minimum(step[moving], bound)
                if ds is not None:
                    r = sum(d * rate[c] for c, d in zip(ins, ds) if rate[c] is not None)
            if i in seeds:
                r = np.zeros(len(probes)) if r is None else np.array(r, dtype=float)
                for j, c in seeds[i]:
                    r[j] = c  # held: the probe moves this node, whatever its inputs do
            rate[i] = r
            for c in self.frees[i]:
                rate[c] = None
        for p, s in zip(probes, step):
            p.step = float(s)

    # -- the batched evaluation ---------------------------------------------------------
    def evaluate(self, columns):
        """``columns``: [(probe, x, partner)], where partner is the index of the
        column paired with this one for the kink test (x0 + d/2 with x0 + d), or
        None. Returns (f at each column, usable: False where the point left a
        rule's domain, or crossed a kink or a pole between the pair)."""
        width = len(columns)
        sets = {}
        for j, (p, x, _) in enumerate(columns):
            for i, val in zip(p.nodes, p.values(x, self.base)):
                sets.setdefault(i, ([], []))
                sets[i][0].append(j)
                sets[i][1].append(val)
        half = np.array([j for j, (_, _, k) in enumerate(columns) if k is not None], dtype=int)
        full = np.array([k for _, _, k in columns if k is not None], dtype=int)
        bad = np.zeros(width, dtype=bool)
        crossed = np.zeros(width, dtype=bool)
        watch = {}
        for i, fn, s0 in self.watch:
            watch.setdefault(i, []).append((fn, s0))
        vals = [None] * len(self.order)
        with np.errstate(all="ignore"):
            self._sweep(vals, sets, watch, half, full, bad, crossed, width)
        root = len(self.order) - 1
        f = vals[root] if vals[root] is not None else np.full(width, self.base[root])
        usable = ~bad & np.isfinite(f)
        if len(half):
            usable[half] &= usable[full] & ~crossed[half]
        return f, usable

    def _sweep(self, vals, sets, watch, half, full, bad, crossed, width):
        base, inputs, rules, extra = self.base, self.inputs, self.rules, self.extra
        for i in range(len(self.order)):
            ins = inputs[i]
            out = args = None
            if ins and any(vals[c] is not None for c in ins):
                args = [base[c] if vals[c] is None else vals[c] for c in ins]
                rule = rules[i]
                if rule is _ADD:  # most of a graph: the rule's own a + b, a b, inline
                    out = args[0] + args[1]
                elif rule is _MUL:
                    out = args[0] * args[1]
                else:
                    args += extra[i]
                    out = vectorised(rule.forward, (VEC, *args), width)
                    if rule.check is not None:
                        for j in range(width):
                            if not bad[j] and rule.check(*(_at(a, j) for a in args)):
                                bad[j] = True
                    if rule not in _PASS:
                        self._finite(i, out, args[: len(ins)], bad)
            if i in sets:
                if out is None:
                    out = np.full(width, base[i])
                cols, xs = sets[i]
                out[cols] = xs
            if out is not None:
                vals[i] = out
                if args is not None and len(half):  # a switch moves only with its inputs
                    for fn, s0 in watch.get(i, ()):
                        s = np.sign(vectorised(fn, args, width))
                        a, b = s[half], s[full]
                        crossed[half] |= (a != b) | ((s0 != 0) & (a != s0))
            for c in self.frees[i]:
                vals[c] = None

    def _finite(self, i, out, xs, bad):
        """A point is out of the domain where a function's input or output is not
        finite (a function may absorb one: tanh(inf) = 1, relu(-inf) = 0; + and *
        pass inf and nan on, and the root is tested last). The output is patched
        with the node's data, so what follows stays finite."""
        fin = np.isfinite(out)
        for a in xs:
            if isinstance(a, np.ndarray):
                fin &= np.isfinite(a)
        if not fin.all():
            bad |= ~fin
            out[~fin] = self.base[i]


def _at(a, j):
    return a[j] if isinstance(a, np.ndarray) else a


class _Need(Exception):
    """A difference asked for a step that is not evaluated yet."""

    def __init__(self, d):
        self.d = d


def _replay(p, f0):
    """Run ``settle`` for probe p on the steps evaluated so far: its Difference, a
    DomainError, or ``_Need`` naming the next step to evaluate."""

    def side(d):
        if d not in p.cache:
            raise _Need(abs(d))
        p.evaluations += 2
        return p.cache[d]

    p.evaluations = 0
    d = settle(side, p.x0, f0, p.step, p.at_kink, p.noise)
    d.evaluations = p.evaluations
    return d


def settle_all(g, probes, f0, max_columns):
    """Each probe's Difference (or the DomainError saying why there is none): the
    search of ``settle`` for all of them, one batch of columns per round of steps."""
    results = {}
    need = {j: p.step for j, p in enumerate(probes)}
    while need:
        pairs = [(probes[j], d) for j, s in need.items() for d in (s, -s)]
        per = max(1, max_columns // 2)
        for start in range(0, len(pairs), per):
            part = pairs[start : start + per]
            columns = []
            for p, d in part:
                k = len(columns)
                columns += [(p, p.x0 + d / 2, k + 1), (p, p.x0 + d, None)]
            f, usable = g.evaluate(columns)
            for n, (p, d) in enumerate(part):
                k = 2 * n
                p.cache[d] = [float(f[k]), float(f[k + 1])] if usable[k] else None
        need = {}
        for j, p in enumerate(probes):
            if j in results:
                continue
            try:
                results[j] = _replay(p, f0)
            except _Need as e:
                need[j] = e.d
            except DomainError as e:
                results[j] = e
    return [results[j] for j in range(len(probes))]


def differences(order, index, targets, h, direction=None, max_work=None):
    """{position: Difference or DomainError} for each target node, and the
    direction's Difference (or DomainError, or None): see the module's docstring.
    ``direction``: (variables, u), the variables and u's entries."""
    g = BatchGraph(order, index)
    probes = [g.node_probe(index[v]) for v in targets]
    dprobe = None
    if direction is not None:
        variables, u = direction
        dprobe = g.direction_probe([index[v] for v in variables], u, [v.grad for v in variables])
        probes.append(dprobe)
    g.first_steps(probes, h)
    max_columns = max(16, int(CHUNK_BYTES // (8 * max(1, g.width))) // 4 * 4)
    f0 = g.base[-1]
    out = settle_all(g, probes, f0, max_columns)
    res = {index[v]: r for v, r in zip(targets, out)}
    return res, (out[-1] if dprobe is not None else None), g


__all__ = ["EPS", "Difference", "differences"]
