"""The backprop and exercise panels are views: their controls walk and answer the
plain models (``explorer.backprop``, ``explorer.exercise``), and the panel shows
what the model says."""

import pytest

from engine import Value
from widgets import backprop, exercise


def ch8():
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    e = a + b
    return a, b, d * e


def test_stepper_controls_move_the_model_and_the_picture():
    a, b, f = ch8()
    p = backprop(f)
    n = len(p.steps)
    assert p.slider.max == n and p.play.max == n and p.position == 0 and p.slider.value == 1
    assert "step 1 of" in p.card.value and "forward pass" in p.card.value
    p.next()
    assert p.position == 1 and p.slider.value == 2
    p.buttons["last"].click()
    assert p.position == n - 1 and "a.grad += 3: −6 → −3" in p.card.value
    assert "(2 of 2)" in p.card.value
    assert "grad &#45;3.0000" in p.graph.value  # the drawing shows the step's grads
    p.buttons["previous"].click()
    assert p.position == n - 2
    p.slider.value = 1  # the slider (and the keyboard's arrows on it) drives the model
    assert p.model.position == 0 and "grad &#45;3.0000" not in p.graph.value
    assert "grad 1.0000" not in p.graph.value  # no grad yet: empty fields


def test_stepper_on_text_and_on_a_function():
    p = backprop("tanh(x1*w1 + x2*w2 + b)", x1=2, w1=-3, x2=0, w2=1, b=6.8813735870195432)
    p.buttons["last"].click()
    grads = {v.label: g for v, g in p.model.step.grads.items() if v.label}
    assert grads["x1"] == pytest.approx(-1.5) and grads["w2"] == 0.0
    q = backprop(lambda x: x * x + x, start={"x": 3.0})
    q.buttons["last"].click()
    assert q.model.step.grads[q.model.order[0]] == 7.0


def test_stepper_on_a_large_graph_offers_parts():
    y = sum(Value(0.1 * i, label=f"x{i}") * Value(1.0, label=f"w{i}") for i in range(30))
    p = backprop(y, max_nodes=40)
    assert p.model is None and "more than 40 to step through" in p.message.value
    assert p.parts.layout.display is None and len(p.parts.options) > 1
    p.parts.value = p.parts.options[1]
    assert p.model is not None and p.message.value == "" and len(p.steps) > 10


def test_exercise_panel_right_wrong_hint_and_bad_input():
    a, b, f = ch8()
    p = exercise(f)
    assert "∂u3/∂u2" in p.question.value
    fb = p.answer("u2", -6)
    assert fb.correct and "right" in p.feedback.value
    p.answer("u1", 1)
    fb = p.answer("a", 3)
    assert not fb.correct and "node used twice" in p.feedback.value
    assert p.help.value == ""  # nothing revealed unless asked
    p.hint_button.click()
    assert "a.grad = " in p.help.value and "-3" not in p.help.value
    p.input.value = "three"
    p.check.click()
    assert "is not a number" in p.message.value and p.model.score.attempts == 3
    p.input.value = "-3"
    p.check.click()
    assert "right" in p.feedback.value and p.message.value == ""
    assert "score:" in p.score.value


def test_exercise_panel_locals_and_the_kind_toggle():
    p = exercise("tanh(n)", n=0.8813735870195432, kind="locals")
    assert p.answer(None, "1 - f**2").correct
    assert "all blanks done" in p.question.value
    p.kind.value = "grads"
    assert p.model.kind == "grads" and "∂f/∂n" in p.question.value


def test_the_page_has_a_backprop_and_an_exercise_tab():
    from widgets.app import TABS, App

    page = App("x*y + x", "x = 2, y = 3")
    assert page.backprop is None  # built when the tab is first opened
    page.tabs.selected_index = TABS.index("backprop")
    page.backprop.buttons["last"].click()
    grads = {v.label: g for v, g in page.backprop.model.step.grads.items() if v.label}
    assert grads["x"] == 4.0 and grads["y"] == 2.0
    page.tabs.selected_index = TABS.index("exercise")
    assert page.exercise.answer("y", 2).correct
    page.expression.value = "exp(x"  # a bad expression leaves the panels where they were
    assert page.backprop is not None and "syntax error" in page.message.value
