"""The page's panel (``widgets.app.App``, what ``make app`` serves): type, slide, read."""

import math

import pytest

from explorer import ParseError
from widgets.app import App, parse_values


def test_typing_an_expression_builds_its_panels():
    a = App()
    assert a.message.value == "" and a.nudge.names == ["x1", "w1", "x2", "w2", "b"]
    a.expression.value = "sin(x)*y"
    assert a.message.value == "" and a.nudge.names == ["x", "y"]
    assert a.values.value == "x = 1.0, y = 1.0"  # the lecture's values do not apply
    a.values.value = "x = 0.5, y = 2"
    a.nudge.sliders["x"].value = 1.5
    assert a.nudge.model.rows["x"].grad == pytest.approx(2 * math.cos(1.5), rel=1e-9)
    assert a.check_table.value.count("ade-check-row") == 2
    assert "ade-verdict-good" in a.check_table.value
    assert "\\cos" in a.formula_table.value


def test_a_bad_expression_shows_the_parsers_message_and_keeps_the_panels():
    a = App("sin(x)*y", "")
    panel = a.nudge
    a.expression.value = "sin("
    assert "never closed" in a.message.value and a.nudge is panel
    a.expression.value = "x + __import__('os')"
    assert "not allowed" in a.message.value
    a.expression.value = "sin(x)*y"
    a.values.value = "x = oops"
    assert "is not 'name = number'" in a.message.value
    a.values.value = "x = 2"
    assert a.message.value == "" and a.nudge.sliders["x"].value == 2.0


def test_the_tabs_build_step_size_and_descent_on_the_same_expression():
    a = App("x**2 + 3*y", "x = 2, y = 1")
    assert a.step is None and a.descent is None
    a.tabs.selected_index = 1
    assert a.step.var.label == "x" and a.step.var.data == 2.0
    a.tabs.selected_index = 2
    assert a.descent.names == ["x", "y"]
    a.expression.value = "x**2"  # a new expression: the open tab is rebuilt on it
    assert a.descent.names == ["x"] and a.step is None


def test_parse_values():
    assert parse_values(" x = 1, y=-2.5e-1; z = .5 ") == {"x": 1.0, "y": -0.25, "z": 0.5}
    assert parse_values("") == {}
    with pytest.raises(ParseError, match="'y' is not 'name = number'"):
        parse_values("x = 1, y")


def test_values_typed_before_the_expression_are_applied_to_it():
    a = App()
    lecture = a.nudge
    a.values.value = "x = 0.5, y = 3"  # the box loses focus: the old expression lacks x, y
    assert a.values.value == "x = 0.5, y = 3"  # kept as typed, not rewritten
    assert "x, y are not in f = tanh" in a.message.value and a.nudge is lecture
    a.expression.value = "x*y"
    assert a.message.value == "" and a.nudge.start == [0.5, 3.0]
    assert a.nudge.root.data == pytest.approx(1.5)
    assert a.values.value == "x = 0.5, y = 3.0"


def test_values_typed_after_the_expression_and_a_name_it_lacks():
    a = App()
    a.expression.value = "x*y"  # the lecture's values were the page's: they give way
    assert a.message.value == "" and a.values.value == "x = 1.0, y = 1.0"
    a.values.value = "x = 0.5, y = 3, z = 2"
    assert a.nudge.start == [0.5, 3.0]
    assert "start: z is not in f = x*y" in a.message.value  # reported, not dropped silently
    assert a.values.value == "x = 0.5, y = 3, z = 2"
    a.expression.value = "x*y*z"  # z waited for it
    assert a.nudge.start == [0.5, 3.0, 2.0] and a.message.value == ""
