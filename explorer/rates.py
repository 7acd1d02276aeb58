"""A learning rate against the curvature of the loss it descends.

Gradient descent x <- x - lr grad f, near a point where f is about a quadratic with
Hessian H, multiplies the error along each eigenvector of H (eigenvalue λ) by
1 - lr λ per step. Along the steepest direction (λmax) it shrinks while
|1 - lr λmax| < 1, that is lr < 2/λmax, the critical rate; past it that direction
overshoots by more than it moves and grows step after step. ``engine.curvature``
measures λmax; this says what it means for a chosen rate, in one sentence.
"""


def rate_note(lr, curv):
    """(kind, sentence): the rate ``lr`` against ``curv`` (an ``engine.Curvature``);
    kind is 'good' (below the critical rate), 'doubtful' (above it) or 'info' (no
    critical rate: λmax <= 0)."""
    c, lam = curv.critical_rate, curv.largest
    if c is None:
        return "info", (
            f"rate {lr:.3g}; the loss's Hessian has no positive eigenvalue here "
            f"(λmax = {lam:.3g}): no critical rate"
        )
    if lr > c:
        return "doubtful", (
            f"rate {lr:.3g} is above the critical rate 2/λmax = {c:.3g} of the current loss "
            f"(λmax = {lam:.4g}): along the steepest direction each step overshoots by "
            f"|1 − rate·λmax| = {abs(1 - lr * lam):.2g} > 1, so expect the loss to jump "
            "or blow up"
        )
    return "good", (
        f"rate {lr:.3g} is below the critical rate 2/λmax = {c:.3g} of the current loss "
        f"(λmax = {lam:.4g})"
    )
