"""The Taylor line: the move of f from a start x0, predicted to first and second order,

    f(x0 + dx) ~ f0 + g . dx                      (first order)
    f(x0 + dx) ~ f0 + g . dx + (1/2) dx^T H dx    (second order)

with g and H the gradient and Hessian at x0 (the nudge panel shows both beside the
actual output; on a quadratic the second order is exact).
"""

from engine import DomainError, hessian


def taylor_start(root, variables):
    """(f, gradient, Hessian) at the current data, or a sentence saying why the
    second order is not offered. Call after ``backward()``. The Hessian is numeric
    (``engine.hessian``: forward over reverse, no SymPy), for any number of variables."""
    start = (root.data, [v.data for v in variables], [v.grad for v in variables])
    try:
        return start + (hessian(root, variables),)
    except (DomainError, ValueError, TypeError) as e:
        return start + (f"no Hessian here: {e}",)


def taylor(f0, g0, H0, dx):
    """f(x0 + dx) predicted: to first order f0 + g0 . dx, to second order
    f0 + g0 . dx + (1/2) dx^T H0 dx (H0 None: the first order only)."""
    first = f0 + sum(g * d for g, d in zip(g0, dx))
    if H0 is None:
        return first, None
    curve = sum(dx[i] * H0[i][j] * dx[j] for i in range(len(dx)) for j in range(len(dx)))
    return first, first + curve / 2
