"""The rule table's math namespace over NumPy arrays (``VEC``), for batched graphs.

``explorer.batched`` runs the rule table's forwards and partials with this namespace
in place of ``math``, so that a node holds a vector, one entry per perturbed point.
"""

import math

import numpy as np

from engine.namespace import HELPERS, NAMESPACE


class VecMath:
    """``VEC``: the rule table's math namespace over NumPy arrays, made from the table
    as ``NUM`` and ``SYM`` are (``engine.namespace``), name by name on first use:

    - a function with a NumPy spelling (``Rule.numpy``: its own name, or ``arctan``)
      is that ufunc;
    - one NumPy lacks (``numpy=None``: sigmoid, softplus, relu) is its composite over
      this namespace (``Rule.sym`` written with ``m``), and where that is not finite on
      finite inputs (softplus's log(1 + e^x) past e^709) the float function
      ``Rule.num`` answers for those entries;
    - the helpers: ``heaviside``, NumPy's nan-propagating ``maximum``/``minimum``, and
      the constants.
    A function the namespace cannot vectorise is evaluated column by column
    (``vectorised``)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self.__dict__[name] = _vec_of(name)
        return value


def _vec_of(name):
    if name == "heaviside":
        return lambda x, h0: np.heaviside(x, float(h0))
    if name in ("max", "min"):
        fn = np.maximum if name == "max" else np.minimum
        return lambda *a: fn.reduce(np.broadcast_arrays(*a))
    if name in HELPERS:  # a constant, or a helper's composite over this namespace
        number, _, composite = HELPERS[name]
        return (lambda *xs: composite(VEC, *xs)) if callable(composite) else number
    rule = NAMESPACE.get(name)
    if rule is None:
        raise AttributeError(f"the math namespace has no {name!r}")
    if rule.numpy is not None and hasattr(np, rule.numpy or name):
        return getattr(np, rule.numpy or name)
    if callable(rule.sym):
        return _composite(rule)
    return np.vectorize(rule.num, otypes=[float])


def _composite(rule):
    def fn(*xs):
        out = np.asarray(rule.sym(VEC, *xs), dtype=float)
        bad = ~np.isfinite(out)
        if bad.any():
            cols = np.broadcast_arrays(*xs, out)
            for j in np.flatnonzero(
                bad & np.logical_and.reduce([np.isfinite(c) for c in cols[:-1]])
            ):
                try:
                    out.flat[j] = rule.num(*(float(c.flat[j]) for c in cols[:-1]))
                except (ArithmeticError, ValueError):
                    pass
        return out

    return fn


VEC = VecMath()


def _column(fn, args, width):
    """fn over columns, one call of fn per column (a rule written for floats only:
    ``math.cos`` in a pole function, an ``if`` in a run-time primitive)."""
    out = np.empty(width)
    for j in range(width):
        try:
            r = fn(*(a[j] if isinstance(a, np.ndarray) else a for a in args))
            out[j] = r if isinstance(r, int | float) else math.nan
        except (ArithmeticError, ValueError, TypeError):
            out[j] = math.nan
    return out


def vectorised(fn, args, width):
    """fn(*args) where some args are arrays of ``width`` columns: one NumPy call if
    fn takes arrays, else one call per column. Failures are nan, never raised (the
    caller silences NumPy's warnings for them, with ``np.errstate``)."""
    try:
        out = np.array(fn(*args), dtype=float)  # a copy: an identity must not alias its input
        if out.shape == (width,):
            return out
        if out.shape == ():
            return np.full(width, float(out))
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        pass
    return _column(fn, args, width)
