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
import sys

import numpy as np

EPS = sys.float_info.epsilon


def _g(x, digits=3):
    """A number in a formula: a few significant digits, a true minus."""
    if x == 0:
        return "0"
    return f"{x:.{digits}g}".replace("-", "−")


def step_size_theory(fx, d2, d3, h):
    """{'forward': text, 'central': text}: each error model and h* with the values in."""
    out = {}
    f, e = abs(fx), EPS
    # forward
    trunc, round_ = abs(d2) * h / 2, 2 * e * f / h
    model = (
        f"forward: error ≈ |f″| h/2 + 2ε|f|/h = {_g(abs(d2))}·{_g(h)}/2 + "
        f"2·{_g(e)}·{_g(f)}/{_g(h)} = {_g(trunc)} + {_g(round_)} = {_g(trunc + round_)}"
    )
    if not math.isfinite(d2):
        best = "f″ is not finite here: no h*"
    elif d2 == 0:
        best = "f″ = 0: no truncation term, so no best h (the error falls as h grows)"
    elif f == 0:
        best = "f = 0: no round-off term, so no best h"
    else:
        hs = 2 * math.sqrt(e * f / abs(d2))
        best = f"h* = 2√(ε|f|/|f″|) = 2√({_g(e)}·{_g(f)}/{_g(abs(d2))}) = {_g(hs)}"
    out["forward"] = f"{model}; {best}"
    # central
    trunc, round_ = abs(d3) * h * h / 6, e * f / h
    model = (
        f"central: error ≈ |f‴| h²/6 + ε|f|/h = {_g(abs(d3))}·{_g(h)}²/6 + "
        f"{_g(e)}·{_g(f)}/{_g(h)} = {_g(trunc)} + {_g(round_)} = {_g(trunc + round_)}"
    )
    if not math.isfinite(d3):
        best = "f‴ is not finite here: no h*"
    elif d3 == 0:
        best = "f‴ = 0: no truncation term, so no best h (the error falls as h grows)"
    elif f == 0:
        best = "f = 0: no round-off term, so no best h"
    else:
        hs = (3 * e * f / abs(d3)) ** (1 / 3)
        best = f"h* = ∛(3ε|f|/|f‴|) = ∛(3·{_g(e)}·{_g(f)}/{_g(abs(d3))}) = {_g(hs)}"
    out["central"] = f"{model}; {best}"
    return out


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
