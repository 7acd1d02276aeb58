"""The panels' theory in words with the numbers put in (``explorer.theory``), and
the panels showing it: the step-size panel's models change with h together with
its table and plot; the descent panel ties the rate to the critical rate."""

import math
import sys

import numpy as np

from explorer.theory import rate_theory, step_size_theory
from widgets import descent, step_size

EPS = sys.float_info.epsilon


def test_step_size_models_with_the_values_put_in():
    t = step_size_theory(20.0, 6.0, 0.0, 1e-3)  # the lecture's f at x = 3
    assert t["forward"].startswith("forward: error ≈ |f″| h/2 + 2ε|f|/h = 6·0.001/2 + ")
    h_star = 2 * math.sqrt(EPS * 20 / 6)
    assert (
        f"h* = 2√(ε|f|/|f″|) = 2√(2.22e−16·20/6) = {h_star:.3g}".replace("-", "−") in t["forward"]
    )
    assert "f‴ = 0: no truncation term" in t["central"]
    c = step_size_theory(1.0, 1.0, -1.0, 1e-5)["central"]  # exp(x) at 0, say
    assert "|f‴| h²/6 + ε|f|/h = 1·1e−05²/6" in c
    assert f"= {(3 * EPS) ** (1 / 3):.3g}".replace("-", "−") in c


def test_rate_in_words_against_the_critical_rate():
    H = np.diag([2.0, 20.0])
    words = rate_theory(0.12, H, ["x", "y"])
    assert words.startswith(
        "0.12 is 1.2x the critical rate 0.1: along y (λ = 20) each step multiplies the error "
        "by −1.4"
    )
    assert "diverge" in words
    exact = rate_theory(0.1, H, ["x", "y"])
    assert "exactly the critical rate" in exact and "oscillates without converging" in exact
    slow = rate_theory(0.05, H, ["x", "y"])
    assert "along x (λ = 2) by 0.9" in slow and "converges" in slow
    assert rate_theory(0.1, np.diag([-1.0, 2.0]), ["x", "y"]) == ""  # a saddle: no rate
    mixed = rate_theory(0.1, np.array([[11.0, 9.0], [9.0, 11.0]]), ["x", "y"])
    assert "along (0.71 x, 0.71 y) (λ = 20)" in mixed


def test_step_size_panel_shows_the_models_and_they_follow_h():
    p = step_size()
    first = p.theory.value
    assert "h* = 2√(ε|f|/|f″|)" in first and "central: error ≈ |f‴| h²/6" in first
    cell, plot = p.cells["forward", "value"].value, p.plot.value
    p.h.value = 1e-6
    assert p.theory.value != first and "6·1e−06/2" in p.theory.value
    assert p.cells["forward", "value"].value != cell and p.plot.value != plot


def test_descent_panel_says_the_rate_against_the_critical_rate():
    d = descent(lr=1 / 3, steps=10)  # f = 3x^2 - 4x + 5: critical 2/6
    assert "exactly the critical rate" in d.rate_marks.value
    assert "oscillates without converging" in d.rate_marks.value
    d.lr.value = 0.4
    assert "1.2x the critical rate 0.3333" in d.rate_marks.value
    assert "multiplies the error by −1.4" in d.rate_marks.value
