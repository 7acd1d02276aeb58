"""The checked exercise (``explorer.exercise.Exercise``): right answers in any
equivalent form are accepted, each diagnosis fires on a hand-made wrong answer of
its kind, hostile or malformed text is refused in one line and the exercise goes
on, nothing is revealed unless asked, and the score counts it all."""

import pytest

from engine import Value
from engine.data import lecture_example1, lecture_used_twice
from explorer.exercise import Exercise


def chapter4():
    return lecture_example1()["L"]  # the lecture's L = (a*b + c) * f


def chapter8():
    return lecture_used_twice()["f"]  # a and b each feed two nodes


def tanh_node():
    n = Value(0.8813735870195432, label="n")
    o = n.tanh()
    o.label = "o"
    return o


def test_chapter_4_grads_all_right_in_backward_order():
    ex = Exercise(chapter4())
    assert [it.key for it in ex.items] == ["∂L/∂f", "∂L/∂d", "∂L/∂c", "∂L/∂e", "∂L/∂b", "∂L/∂a"]
    for name, g in [("f", 4), ("d", -2), ("c", -2), ("e", -2), ("b", -4), ("a", 6)]:
        fb = ex.answer(name, g)
        assert fb.correct and fb.diagnosis == "" and not fb.error
    assert ex.finished and ex.score.right == 6 and ex.score.total == 6


def test_grads_are_judged_by_the_closed_form_which_equals_backward(neuron):
    o = neuron["o"]
    ex = Exercise(o)
    o.backward()
    for it in ex.items:
        assert it.expr is not None
        assert it.truth == pytest.approx(it.node.grad, rel=1e-12, abs=1e-15), it.key
    n = next(it for it in ex.items if it.node is neuron["n"])
    assert str(n.expr) == "1 - o**2"


def test_a_rounded_number_is_right_to_its_digits():
    ex = Exercise(tanh_node() * 1.0)
    assert ex.answer("n", "0.5").correct  # 0.4999999999999999
    ex = Exercise(tanh_node())
    assert ex.answer("n", "0.5").correct
    o = tanh_node()
    ex = Exercise(o.tanh())
    assert ex.answer("o", f"{1 - o.tanh().data ** 2:.4f}").correct
    assert not ex.answer("o", "1").correct


@pytest.mark.parametrize(
    "graph, node, wrong, words",
    [
        (chapter4, "f", 4 * -1, "sign flipped"),
        (chapter8, "a", 3, "node used twice"),  # only the path through d
        (chapter8, "a", -6, "node used twice"),  # only the path through e
        (chapter4, "b", 2, "upstream gradient left out"),  # ∂e/∂b = a, without e.grad
        (chapter4, "b", -2, "input's grad confused with the output's"),  # e.grad itself
        (tanh_node, "n", 0.7071067811865476, "derivative of the wrong function"),  # o for 1-o²
        (chapter4, "a", 12, "constant factor off"),
    ],
)
def test_each_grad_diagnosis(graph, node, wrong, words):
    fb = Exercise(graph()).answer(node, wrong)
    assert not fb.correct and words in fb.diagnosis, fb


@pytest.mark.parametrize("text", ["1 - o**2", "1 - tanh(n)**2", "(1-o)*(1+o)", "1 - o*o"])
def test_equivalent_local_derivatives_are_right(text):
    fb = Exercise(tanh_node(), kind="locals").answer("n", text)
    assert fb.correct and fb.diagnosis == "", fb


def test_a_number_for_a_formula_is_the_value_not_the_formula():
    fb = Exercise(tanh_node(), kind="locals").answer("n", "0.5")
    assert not fb.correct and "the right number at these values" in fb.diagnosis
    assert Exercise(chapter4(), kind="locals").answer("∂d/∂c", "1").correct  # a constant


@pytest.mark.parametrize(
    "text, words",
    [
        ("o**2 - 1", "sign flipped"),
        ("tanh(n)", "derivative of the wrong function"),
        ("o", "derivative of the wrong function"),
        ("1 - n**2", "input confused with the output"),
        ("2*(1 - o**2)", "constant factor off"),
    ],
)
def test_each_local_diagnosis(text, words):
    fb = Exercise(tanh_node(), kind="locals").answer("n", text)
    assert not fb.correct and words in fb.diagnosis, fb


def test_local_derivative_of_a_product_by_the_other_input_and_with_upstream():
    ex = Exercise(chapter4(), kind="locals")
    assert ex.answer("∂e/∂a", "b").correct
    fb = ex.answer("∂e/∂b", "b")  # ∂e/∂b = a: b is the derivative by a
    assert not fb.correct and "that is the derivative by a, not by b" in fb.diagnosis
    assert "the derivative by f, not by d" in ex.answer("∂L/∂d", "d").diagnosis
    fb = ex.answer("∂d/∂e", "-2")  # 1 times d.grad = -2
    assert not fb.correct and "upstream gradient multiplied in" in fb.diagnosis


@pytest.mark.parametrize(
    "text, words",
    [
        ("__import__('os').system('true')", "can be called"),
        ("__import__('os')", "not allowed"),
        ("o.__class__", "attribute"),
        ("tanh(n", "syntax error"),
        ("q + 1", "unknown name 'q'"),
        ("x" * 5000, "limit"),
        ("(" * 300 + "o" + ")" * 300, "nesting too deep"),
        ("", "empty"),
    ],
)
def test_hostile_or_malformed_text_is_one_line_and_the_exercise_goes_on(text, words):
    ex = Exercise(tanh_node(), kind="locals")
    fb = ex.answer("n", text)
    assert fb.error and words in fb.error and "\n" not in fb.error and not fb.correct
    assert ex.score.attempts == 0  # not counted
    assert ex.answer("n", "1 - o**2").correct


def test_bad_numbers_and_unknown_nodes():
    ex = Exercise(chapter4())
    assert "is not a number" in ex.answer("a", "six").error
    assert "not a finite number" in ex.answer("a", "inf").error
    assert "no node or blank named 'zz'" in ex.answer("zz", 1).error
    assert ex.answer("a", 6).correct


def test_nothing_is_revealed_unless_asked_and_the_score_counts_it():
    ex = Exercise(chapter4())
    fb = ex.answer("f", 3)
    assert not fb.correct and "4" not in fb.diagnosis
    hint = ex.hint("d")
    assert "d.grad = ∂L/∂d · L.grad" == hint
    assert ex.reveal("c") == "∂L/∂c = f = −2"  # the closed form, then its number
    ex.answer("f", 4)
    s = ex.score
    assert (s.right, s.hints, s.revealed, s.attempts) == (0, 1, 1, 2)
    assert ex.current.key == "∂L/∂d"
    assert "0 of 6 right at the first try" in str(s)


def test_a_revealed_item_is_done_but_not_right():
    ex = Exercise(chapter4())
    ex.reveal("f")
    assert ex.answer("f", 4).correct and ex.score.right == 0 and ex.score.done == 1


def test_kind_is_checked():
    with pytest.raises(ValueError, match="kind must be one of"):
        Exercise(chapter4(), kind="both")
