"""A student's ordinary mistakes get one sentence: the engine's or the parser's
message, naming the student's own output and the column, with no chained internals
in the traceback (no "During handling of the above exception")."""

import traceback

import pytest

from engine import DomainError, Value
from explorer import ParseError, check, parse


def raised(call, kind):
    """The exception ``call`` raises, checked to be ``kind`` with no chained cause
    shown: the traceback a user sees ends in one exception."""
    with pytest.raises(kind) as info:
        call()
    e = info.value
    shown = "".join(traceback.format_exception(e))
    assert "During handling" not in shown and "direct cause" not in shown, shown
    assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__), shown
    assert "\n" not in str(e)
    return str(e)


def test_no_derivative_at_a_pole_is_one_exception():
    msg = raised(lambda: check(lambda x: x**0.5, x=0), DomainError)
    assert msg == "no derivative of **0.5 at [0.0] (input 'x')"
    x = Value(0.0, label="x")
    y = (x * 2.0) ** 0.5  # two-input nodes on the way back, then the pole
    assert "no derivative of **0.5" in raised(y.backward, DomainError)
    assert "division by zero" in raised(lambda: x**-1.0, DomainError)  # forward, too


def test_before_backward_names_the_students_output():
    x = Value(1.0, label="x")
    y = x * x
    msg = raised(lambda: check(y), RuntimeError)
    assert msg == "check needs gradients: call backward() on the output first"
    assert "root" not in msg
    y.label = "loss"
    assert "call loss.backward() first" in raised(lambda: check(y), RuntimeError)


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("x**", 4, "the power has no exponent"),
        ("x*", 3, "the product has no second factor"),
        ("x/", 3, "the quotient has no divisor"),
        ("x +", 4, "the sum has no second term"),
        ("sin(x**)", 8, "the power has no exponent"),
        ("x*sin(y", 6, "'(' was never closed: a ')' is expected"),
        ("x)", 2, "unmatched ')'"),
        ("2x", 2, "an operator is missing between '2' and 'x' (for a product write 2*x)"),
        ("x y", 3, "an operator is missing between 'x' and 'y'"),
        ("x*/y", 3, "'/' right after '*'"),
        ("*x", 1, "starts with '*'"),
        ("y = x**2", 3, "'=' makes an equation: type only the expression"),
        ("  x**", 6, "the power has no exponent"),  # columns count what was typed
    ],
)
def test_parse_errors_say_where_and_what_was_expected(text, column, words):
    msg = raised(lambda: parse(text, x=1, y=1), ParseError)
    assert msg.startswith(f"column {column}: ") and words in msg
    # check and the other entry points raise the parser's own error, unchained
    assert raised(lambda: check(text, x=1, y=1), ParseError) == msg
