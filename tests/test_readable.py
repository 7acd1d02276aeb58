"""Formulas a person would write: shorter, the same function, the same functions used."""

import sympy

from explorer import formulas
from explorer.readable import readable
from widgets import nudge


def test_the_chain_rules_sum_of_paths_is_factored():
    e = sympy.sympify("2*x*(1 - tanh(x**2 + x*y)**2) + y*(1 - tanh(x**2 + x*y)**2)")
    shown, note = readable(e)
    assert note is None
    assert shown == sympy.sympify("(2*x + y)*(1 - tanh(x*(x + y))**2)")
    assert sympy.simplify(shown - e) == 0


def test_no_new_functions_and_a_note_when_too_large():
    e = sympy.sympify("1 - tanh(a)**2")
    assert readable(e) == (e, None)  # not 1/cosh(a)**2
    big = sum(sympy.Symbol(f"a{i}") * sympy.Symbol(f"b{i}") for i in range(200))
    shown, note = readable(big)
    assert shown is big and "shown as computed" in note


def test_the_table_and_the_panel_can_show_them():
    plain = {r.label: r.grad for r in formulas("tanh(x*x + x*y)", x=1, y=2).rows}
    simple = {r.label: r.grad for r in formulas("tanh(x*x + x*y)", x=1, y=2, simplify=True).rows}
    assert sympy.count_ops(simple["x"]) < sympy.count_ops(plain["x"])
    assert sympy.simplify(simple["x"] - plain["x"]) == 0
    p = nudge("tanh(x*x + x*y)", x=1, y=2)
    assert "+ y \\left(1" in p.formulas["x"].value
    p.simplify.value = "simplified"
    assert "\\left(2 x + y\\right)" in p.formulas["x"].value
    assert p.report.ok  # the check still evaluates the computed form
