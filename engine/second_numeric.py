"""Second order in numbers, with no SymPy: Hessian-vector products, Hessians, curvature.

    (H V)_i = sum_j d^2 root / (d x_i d x_j) V_j

**How: forward over reverse, with a block of directions.** ``backward()`` computes
the adjoint g_v = d root / d v of every node, from the root back, by

    g_c += p_c g_v        p_c = d v / d c, the rule's partial.

Differentiate that loop along k directions V at once (dual numbers whose tangent
is a NumPy row of k numbers, ``engine.dual``). First a forward pass gives every
node's tangent t_v = sum_c p_c t_c (the inputs' tangents; a chosen variable's
tangent is its row of V). Then the reverse pass carries each adjoint and its
tangent:

    g_c  += p_c g_v
    dg_c += p_c dg_v + g_v dp_c          dp_c = the tangent of the partial

and dg of the chosen variables is H V. The partial and its tangent come from
evaluating the rule's own ``partials(m, out, *xs)`` with ``m = DUAL`` on the
inputs' duals: the second derivatives come from the one rule table, for built-in
rules and for rules added at run time by ``engine.primitive`` alike.

Why this and not the other way open (a backward that builds a graph of Values,
then backward through that): a graph of Values costs a Python object per partial
and per product, about four new nodes per edge, and one more backward per
direction: n sweeps for a Hessian. Duals with a block tangent do a whole block of
directions in one forward and one reverse sweep, and the per-node work is a few
NumPy operations on rows of k numbers, whose cost barely grows with k. A Hessian
is then ``ceil(n / k)`` sweeps, with k as large as the memory for the tangents
allows (``BLOCK_BYTES``); one direction is ``hvp``. Nothing here touches a node's
``grad`` or ``data``: the sweep keeps its own lists.

**Kinks.** relu, abs, max and min have piecewise-constant partials (``heaviside``,
``sign``); their tangent is 0, on the kink too: relu'' = 0, as PyTorch's double
backward gives. At a kink the first derivative takes the table's subgradient
(relu'(0) = 0, 1/2 each at a tie of max), and the mixed partials follow it.

**Curvature.** The extreme eigenvalues of H. Up to ``EXACT_UP_TO`` variables the
whole Hessian is formed (ceil(n/k) sweeps) and all its eigenvalues computed
(``numpy.linalg.eigvalsh``): exact, and cheaper than iterating. Beyond, the
Hessian is too big to form and Lanczos iterates on Hessian-vector products
(one sweep per step), which finds the extremes of the spectrum first.
"""

import math

import numpy as np

from engine.dual import DUAL, FAST, Dual
from engine.graph import inputs_of, topo_order, variables_of
from engine.rules import NUM, RULES, DomainError

BLOCK_BYTES = 64 * 2**20  # the tangents of one sweep: nodes x directions x 8 bytes
EXACT_UP_TO = 2000  # curvature forms the whole Hessian up to this many variables
SCALAR_UP_TO = 2  # directions: up to this many, a sweep each with float tangents
# The fast path: + and * (most of any graph) skip the dual numbers, their partials'
# tangents being known (d(a*b)/da = b, whose tangent is b's; + has constant partials).
# A test holds it equal to the dual-number path on random graphs (FAST[0] = False).
_ADD, _MUL = RULES["+"], RULES["*"]
_ONES = ((1.0, None), (1.0, None))


class SecondOrder:
    """root's second order in ``variables``, prepared once for many calls: the graph
    is read once (its order, the chosen variables' positions, each result node's rule
    and inputs) and every call reads the nodes' current data, so a panel that moves
    the variables keeps one. ``.hessian()``, ``.hvp(vector)``, ``.curvature()``: as
    the functions of those names. The graph must keep its nodes (data may change)."""

    def __init__(self, root, variables=None, what="second order"):
        from engine.value import Value

        if not isinstance(root, Value):
            raise TypeError(
                f"{what}: expected a Value (a graph's output), got {type(root).__name__}"
            )
        self.order = order = topo_order(root)
        self.chosen = variables_of(root, variables, what)
        if not self.chosen:
            raise ValueError(f"{what}: the output's graph has no variables")
        index = {v: i for i, v in enumerate(order)}
        self.where = [index[v] for v in self.chosen]
        self.steps = []
        for p, v in enumerate(order):
            if v._a is None:
                continue
            if v._rule is None:
                raise TypeError(
                    f"{what}: the op {v._op!r} was made without a rule (micrograd's way): "
                    "its partials are unknown; register it with engine.primitive"
                )
            self.steps.append((p, v._rule, tuple(index[c] for c in inputs_of(v)), v._k))
        self.what = what

    @property
    def n(self):
        return len(self.chosen)

    def block(self):
        """How many directions one sweep carries."""
        return max(1, min(self.n, BLOCK_BYTES // (8 * len(self.order))))

    def product(self, V):
        """H V for an n x k array V, in one forward and one reverse sweep; a sweep
        per column for one or two columns, whose tangents are then plain floats (the
        same code: a float is a row of one), a NumPy call's overhead saved per node."""
        data = [v.data for v in self.order]
        V = np.ascontiguousarray(V, dtype=float)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                if V.shape[1] <= SCALAR_UP_TO:
                    cols = [self._sweep(data, V[:, j].tolist(), 0.0) for j in range(V.shape[1])]
                    HV = np.array(cols, dtype=float).reshape(V.shape[1], self.n).T
                else:
                    HV = np.array(self._sweep(data, V, np.zeros(V.shape[1])))
        except (ArithmeticError, ValueError) as e:
            raise DomainError(
                f"{self.what}: the Hessian is undefined at {self._at()}: {e}"
            ) from None
        if not np.isfinite(HV).all():
            raise DomainError(
                f"{self.what}: the Hessian is undefined at {self._at()}: a second derivative "
                "overflows a float"
            )
        return HV

    def _at(self):
        at = ", ".join(f"{v.data:g}" for v in self.chosen[:6])
        return f"({at}{', ...' if self.n > 6 else ''})"

    def _sweep(self, data, V, zero):
        tan = [None] * len(data)
        for i, p in enumerate(self.where):
            tan[p] = V[i]
        for p, rule, ins, kk in self.steps:  # forward: t_v = sum_c p_c t_c
            t = None
            for i in ins:
                if tan[i] is not None:
                    break
            else:
                continue
            xs = [data[i] for i in ins]
            ps = rule.partials(NUM, data[p], *xs, *(() if kk is None else (kk,)))
            for d, i in zip(ps, ins):
                ti = tan[i]
                if ti is not None and d != 0:
                    t = d * ti if t is None else t + d * ti
            tan[p] = t
        g = [0.0] * len(data)
        dg = [None] * len(data)
        g[-1] = 1.0  # the root is last in topological order
        for p, rule, ins, kk in reversed(self.steps):  # reverse, differentiated
            gv, dgv = g[p], dg[p]
            dg[p] = None  # no longer needed: free it
            if gv == 0.0 and dgv is None:
                continue
            if rule is _MUL and FAST[0]:  # partials (b, a): their tangents are b's, a's
                a, b = ins
                pp = ((data[b], tan[b]), (data[a], tan[a]))
            elif rule is _ADD and FAST[0]:  # partials (1, 1): constants
                pp = _ONES
            else:  # the rule's partials over dual numbers: values and tangents
                args = [Dual(data[i], tan[i]) for i in ins]
                if kk is not None:
                    args.append(kk)
                ps = rule.partials(DUAL, Dual(data[p], tan[p]), *args)
                pp = [(P.val, P.tan) if type(P) is Dual else (P, None) for P in ps]
            for (pv, pt), i in zip(pp, ins):
                g[i] += pv * gv
                t = dgv * pv if dgv is not None and pv != 0 else None
                if pt is not None and gv != 0.0:
                    t = gv * pt if t is None else t + gv * pt
                if t is not None:
                    dg[i] = t if dg[i] is None else dg[i] + t
        return [zero if dg[p] is None else dg[p] for p in self.where]

    def hessian(self):
        """The n x n Hessian at the current data: ceil(n / block) sweeps."""
        n, k = self.n, self.block()
        H = np.empty((n, n))
        eye = np.eye(n)
        for j in range(0, n, k):
            H[:, j : j + k] = self.product(eye[:, j : j + k])
        return H

    def along(self, d):
        """d^T H d at the current data, d a list of n floats: one sweep with float
        tangents and no checks of d (the descent panel's second-order prediction
        at every step)."""
        data = [v.data for v in self.order]
        try:
            Hd = self._sweep(data, d, 0.0)
        except (ArithmeticError, ValueError) as e:
            raise DomainError(
                f"{self.what}: the Hessian is undefined at {self._at()}: {e}"
            ) from None
        return math.fsum(a * b for a, b in zip(d, Hd))

    def hvp(self, vector):
        """H v at the current data (v: n numbers, or n x k for k products at once)."""
        v = _vector(self, vector)
        V = v.reshape(self.n, -1)
        out = np.empty_like(V)
        k = self.block()
        for j in range(0, V.shape[1], k):
            out[:, j : j + k] = self.product(V[:, j : j + k])
        return out.reshape(v.shape)

    def curvature(self, exact_up_to=None):
        """The Hessian's extreme eigenvalues at the current data (``Curvature``)."""
        n = self.n
        exact_up_to = EXACT_UP_TO if exact_up_to is None else exact_up_to
        if n <= exact_up_to:
            H = self.hessian()
            eig = np.linalg.eigvalsh((H + H.T) / 2)
            note = (
                f"exact: all {n} eigenvalues of the {n}×{n} Hessian (forward-over-reverse "
                f"sweeps, then eigvalsh), as n ≤ {exact_up_to}"
            )
            return Curvature(eig[-1], eig[0], n, "exact", note, eig)
        top, bottom, steps = _lanczos(self)
        note = (
            f"Lanczos: {steps} Hessian-vector products, as the {n}×{n} Hessian is too big "
            f"to form (n > {exact_up_to}); the extremes converge first"
        )
        return Curvature(top, bottom, n, "lanczos", note)


def _vector(plan, vector):
    try:
        v = np.asarray(vector, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"hvp: the vector must be numbers, got {type(vector).__name__}") from None
    if v.ndim not in (1, 2) or v.shape[0] != plan.n:
        raise ValueError(
            f"hvp: the vector has shape {v.shape}, expected {plan.n} entries (one per variable)"
        )
    if not np.isfinite(v).all():
        bad = np.argwhere(~np.isfinite(v))[0]
        raise ValueError(f"hvp: the vector has a non-finite entry {v[tuple(bad)]} at {tuple(bad)}")
    return v


def hvp(root, variables, vector):
    """H v: the Hessian of root (in the ``variables``, at their current data) times
    ``vector`` (n numbers, or an n x k array for k products at once), without
    forming H. A NumPy array of the vector's shape."""
    return SecondOrder(root, variables, "hvp").hvp(vector)


def hessian(root, variables=None, exact=False):
    """The Hessian of root at the variables' current data: a NumPy array, entry
    (i, j) = d^2 root / d x_i d x_j, in the order of ``variables`` (default: all of
    root's variables, in topological order).

    Numeric by default (forward over reverse, see the module); ``exact=True``
    evaluates the closed form ``engine.hessian_expr`` instead (SymPy: small graphs)."""
    if exact:
        from engine.second import hessian_exact

        return hessian_exact(root, variables)
    return SecondOrder(root, variables, "hessian").hessian()


def curvature(root, variables=None, exact_up_to=None):
    """The Hessian's extreme eigenvalues at the current data, with the critical and
    best learning rates (``Curvature``). Exact for up to ``exact_up_to`` variables
    (default ``EXACT_UP_TO``), Lanczos on Hessian-vector products beyond; ``.note``
    says which and why."""
    return SecondOrder(root, variables, "curvature").curvature(exact_up_to)


def second_and_third(root, var):
    """(f'', f''') of root in the one variable ``var`` at its current data, for the
    step-size panel's error models. f'' is exact (the sweep); f''' is the central
    difference of that exact f'', Richardson-extrapolated from the steps h and h/2
    (h = 1e-3 min(1, |x|), or 1e-3 at 0): its error is O(h^4) times f's fifth
    derivative plus a rounding of about 1e-13 |f''| / h, ample for a model that f'''
    only scales. nan
    where one is undefined (x^1.5 at 0 has no f''). The variable's data is restored."""
    from engine.graph import vary

    plan = SecondOrder(root, [var], "second_and_third")
    x = var.data
    try:
        d2 = float(plan.hessian()[0, 0])
    except DomainError:
        return math.nan, math.nan
    h = 1e-3 * min(1.0, abs(x)) if x != 0 else 1e-3  # inside a log's or a sqrt's domain
    try:
        with vary(root, [var]) as move:

            def d2_at(at):
                move(at)
                return float(plan.hessian()[0, 0])

            diffs = [(d2_at(x + s) - d2_at(x - s)) / (2 * s) for s in (h, h / 2)]
    except DomainError:
        return d2, math.nan
    return d2, (4 * diffs[1] - diffs[0]) / 3


class Curvature:
    """The extreme eigenvalues of a Hessian and the learning rates they set.

    For gradient descent x <- x - lr grad on a quadratic with Hessian H, each
    eigen-direction is multiplied by (1 - lr λ) per step: it shrinks while
    |1 - lr λ| < 1, that is lr < 2/λmax (``critical_rate``: above it the steepest
    direction grows, and descent blows up); the slowest and the fastest direction
    shrink at the same rate at lr = 2/(λmax + λmin) (``best_rate``, when H is
    positive definite)."""

    def __init__(self, largest, smallest, n, method, note, eigenvalues=None):
        self.largest = float(largest)
        self.smallest = float(smallest)
        self.n = n
        self.method = method
        self.note = note
        self.eigenvalues = eigenvalues

    @property
    def critical_rate(self):
        """2 / λmax, None unless λmax > 0."""
        return 2.0 / self.largest if self.largest > 0 else None

    @property
    def best_rate(self):
        """2 / (λmax + λmin), None unless the Hessian is positive definite."""
        return 2.0 / (self.largest + self.smallest) if self.smallest > 0 else None

    @property
    def positive_definite(self):
        return self.smallest > 0

    def __repr__(self):
        def rate(r):
            return "None" if r is None else f"{r:.6g}"

        return (
            f"Curvature(largest={self.largest:.6g}, smallest={self.smallest:.6g}, "
            f"critical_rate={rate(self.critical_rate)}, best_rate={rate(self.best_rate)}, "
            f"method={self.method!r})"
        )


def _lanczos(plan, steps=120, tol=1e-10):
    """The largest and smallest Ritz values of H after up to ``steps`` Lanczos
    steps with full reorthogonalisation, stopped when both extremes have settled."""
    n = plan.n
    rng = np.random.default_rng(0)  # deterministic: the same graph, the same answer
    q = rng.standard_normal(n)
    Q = [q / np.linalg.norm(q)]
    alphas, betas = [], []
    last = None
    for m in range(1, min(steps, n) + 1):
        w = plan.product(Q[-1][:, None])[:, 0]
        alphas.append(float(Q[-1] @ w))
        Qm = np.array(Q)
        w -= Qm.T @ (Qm @ w)
        w -= Qm.T @ (Qm @ w)  # twice is enough (Kahan)
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        theta = np.linalg.eigvalsh(T)
        now = (theta[-1], theta[0])
        beta = float(np.linalg.norm(w))
        scale = max(abs(now[0]), abs(now[1]), 1e-300)
        if beta <= 1e-12 * scale or (
            last is not None and all(abs(a - b) <= tol * scale for a, b in zip(now, last))
        ):
            return now[0], now[1], m
        last = now
        betas.append(beta)
        Q.append(w / beta)
    return last[0], last[1], m if last else 0


__all__ = ["Curvature", "SecondOrder", "curvature", "hessian", "hvp", "second_and_third"]
