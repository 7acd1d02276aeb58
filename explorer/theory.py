"""The panels' theory said with the numbers put in: texts a panel shows, tested here.

- ``step_size_theory(fx, d2, d3, h)``: the forward and central differences' error
  models and their best steps h*, each written as the formula, then with f, f″,
  f‴ and h substituted, then the value (eps = 2^-52, float64's machine epsilon):

      forward: |f″| h/2 + 2ε|f|/h, least at h* = 2√(ε|f|/|f″|)
      central: |f‴| h²/6 + ε|f|/h, least at h* = ∛(3ε|f|/|f‴|)

- ``rate_theory(lr, H, names)``: a gradient step's rate against the critical rate
  2/λmax of the Hessian H: on the quadratic, the error along an eigenvector with
  eigenvalue λ is multiplied by 1 − lr·λ each step, so it converges when every
  |1 − lr·λ| < 1, diverges when one is > 1, and at exactly the critical rate the
  steepest direction's factor is −1: the iterate jumps between two points and
  neither converges nor diverges.
"""

import math

import numpy as np

from explorer.difference import EPS  # float64's machine epsilon, 2^-52: one round-off unit


def _g(x, digits=3):
    """A number in a formula: a few significant digits, a true minus."""
    if x == 0:
        return "0"
    return f"{x:.{digits}g}".replace("-", "−")


def error_models(fx, d2, d3):
    """{'forward': (a, p, r), 'central': (a, p, r)}: each difference's error model
    a h^p + r / h (truncation + round-off), from f, f'' and f''' at x."""
    return {
        "forward": (abs(d2) / 2, 1, 2 * EPS * abs(fx)),
        "central": (abs(d3) / 6, 2, EPS * abs(fx)),
    }


def model_error(model, h):
    """The model's error a h^p + r / h at the steps h (a float or an array)."""
    a, p, r = model
    return a * h**p + r / h


def optimal_h(model):
    """argmin over h of a h^p + r / h, that is (r / (p a))^(1 / (p + 1)); None when
    a term is 0 (the model then falls all the way one way: no minimum)."""
    a, p, r = model
    if a == 0 or r == 0 or not (np.isfinite(a) and np.isfinite(r)):
        return None
    return float((r / (p * a)) ** (1 / (p + 1)))


def step_size_theory(fx, d2, d3, h):
    """{'forward': text, 'central': text}: each error model and h* with the values in."""
    return {"forward": _theory("forward", fx, d2, h), "central": _theory("central", fx, d3, h)}


def _theory(kind, fx, d, h):
    """One difference's model at h and its h* (``optimal_h``), as a formula with the
    values put in: forward |f″| h/2 + 2ε|f|/h, central |f‴| h²/6 + ε|f|/h."""
    f, e, a = abs(fx), EPS, abs(d)
    if kind == "forward":
        name, trunc, round_ = "f″", a * h / 2, 2 * e * f / h
        model = f"|f″| h/2 + 2ε|f|/h = {_g(a)}·{_g(h)}/2 + 2·{_g(e)}·{_g(f)}/{_g(h)}"
        star = f"2√(ε|f|/|f″|) = 2√({_g(e)}·{_g(f)}/{_g(a)})"
    else:
        name, trunc, round_ = "f‴", a * h * h / 6, e * f / h
        model = f"|f‴| h²/6 + ε|f|/h = {_g(a)}·{_g(h)}²/6 + {_g(e)}·{_g(f)}/{_g(h)}"
        star = f"∛(3ε|f|/|f‴|) = ∛(3·{_g(e)}·{_g(f)}/{_g(a)})"
    model = f"{kind}: error ≈ {model} = {_g(trunc)} + {_g(round_)} = {_g(trunc + round_)}"
    if not math.isfinite(d):
        best = f"{name} is not finite here: no h*"
    elif d == 0:
        best = f"{name} = 0: no truncation term, so no best h (the error falls as h grows)"
    elif f == 0:
        best = "f = 0: no round-off term, so no best h"
    else:
        models = error_models(fx, d, d)
        best = f"h* = {star} = {_g(optimal_h(models[kind]))}"
    return f"{model}; {best}"


def _direction(vec, names):
    """An eigenvector in words: 'y' when it lies along one variable, else the mix."""
    vec = np.asarray(vec, dtype=float)
    i = int(np.argmax(np.abs(vec)))
    if abs(vec[i]) > 0.995:
        return names[i]
    vec = vec * (1 if vec[i] > 0 else -1)
    return "(" + ", ".join(f"{_g(c, 2)} {n}" for c, n in zip(vec, names)) + ")"


def rate_theory(lr, H, names, ascent=False, quadratic=True, tol=1e-9):
    """The rate lr against the critical rate 2/λmax of H (of −H for ascent), in
    words with the numbers; '' when H is not positive definite (no critical rate)."""
    H = -np.asarray(H, dtype=float) if ascent else np.asarray(H, dtype=float)
    if not np.isfinite(H).all():
        return ""
    lam, vecs = np.linalg.eigh(H)
    if lam[0] <= 0:
        return ""
    hi, lo = float(lam[-1]), float(lam[0])
    critical = 2 / hi
    steep = _direction(vecs[:, -1], names)
    factor = 1 - lr * hi
    where = "" if quadratic else " (on the local quadratic at the start)"
    ratio = lr / critical
    if abs(ratio - 1) <= tol:
        return (
            f"{_g(lr, 4)} is exactly the critical rate 2/λmax = {_g(critical, 4)}{where}: "
            f"along {steep} (λ = {_g(hi, 4)}) each step multiplies the error by −1, so the "
            "iterate jumps between two points for ever: it oscillates without converging "
            "(or diverging)"
        )
    head = (
        f"{_g(lr, 4)} is {_g(ratio, 3)}x the critical rate {_g(critical, 4)}{where}: "
        f"along {steep} (λ = {_g(hi, 4)}) each step multiplies the error by {_g(factor, 3)}"
    )
    if ratio > 1:
        return head + ": its size grows each step (flipping sign), so the steps diverge"
    slow = 1 - lr * lo
    rest = ""
    if len(lam) > 1 and lo != hi:
        flat = _direction(vecs[:, 0], names)
        rest = f"; along {flat} (λ = {_g(lo, 4)}) by {_g(slow, 3)}"
    worst = max(abs(factor), abs(slow))
    pace = f"at worst the error is multiplied by {_g(worst, 3)} a step: it converges"
    if factor < 0:
        pace += f" (along {steep} flipping sign each step)"
    return f"{head}{rest}; {pace}"


__all__ = ["EPS", "rate_theory", "step_size_theory"]
