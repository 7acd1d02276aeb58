"""Bad input: a clear error of the right type, never a silent nan."""

import math

import numpy as np
import pytest

from engine import DomainError, Value, exp, log, tanh


@pytest.mark.parametrize("bad", ["abc", None, [1.0], {"x": 1}, 1 + 2j, True, object()])
def test_value_refuses_non_numbers(bad):
    with pytest.raises(TypeError, match="must be a real number"):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_value_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


def test_value_accepts_ints_and_numpy_scalars_as_floats():
    for x in [3, np.float64(2.5), np.int64(-4), np.float32(0.5)]:
        v = Value(x)
        assert type(v.data) is float and v.data == float(x)


def test_value_of_a_value_is_refused():
    with pytest.raises(TypeError, match="got a Value"):
        Value(Value(1.0))


@pytest.mark.parametrize("bad", ["2", None, [1]])
def test_operations_refuse_non_numbers(bad):
    a = Value(1.0)
    for op in (lambda: a + bad, lambda: bad * a, lambda: a - bad, lambda: a / bad):
        with pytest.raises(TypeError):
            op()


@pytest.mark.parametrize(
    "make,match",
    [
        (
            lambda: Value(-1.0, label="x").log(),
            r"log of a non-positive number: log\(-1\) \(input 'x'\)",
        ),
        (lambda: log(Value(0.0, label="z")), r"log\(0\).*'z'"),
        (lambda: Value(-8.0, label="x") ** 0.5, r"negative base to a fractional power.*'x'"),
        (lambda: 1 / Value(0.0, label="d"), r"division by zero.*'d'"),
        (lambda: Value(0.0, label="d") ** -2, r"division by zero.*'d'"),
        (lambda: Value(-2.0, label="a") ** Value(2.0, label="b"), r"positive base.*'a', 'b'"),
        (lambda: 2 ** Value(5000.0, label="e"), r"overflow.*'e'"),
        (lambda: exp(Value(1000.0, label="big")), r"overflow: exp\(1000\).*'big'"),
        (lambda: Value(1e200, label="h") ** 2, r"overflow.*'h'"),
    ],
)
def test_domain_errors_name_operation_value_and_node(make, match):
    with pytest.raises(DomainError, match=match):
        make()


def test_domain_error_in_forward_names_the_node():
    x = Value(2.0, label="x")
    y = x.log()
    x.data = -1.0
    with pytest.raises(DomainError, match="log.*'x'"):
        y.forward()


def test_a_derivative_that_does_not_exist_is_a_domain_error():
    x = Value(0.0, label="x")
    with pytest.raises(DomainError, match=r"no derivative of \*\*0.5.*'x'"):
        (x**0.5).backward()


def test_extreme_inputs_do_not_overflow():
    assert tanh(Value(1000.0)).data == 1.0 and tanh(Value(-1000.0)).data == -1.0
    assert Value(-1000.0).sigmoid().data == 0.0 and Value(1000.0).sigmoid().data == 1.0
    assert exp(Value(-1000.0)).data == 0.0
    for v in (tanh(Value(1000.0)), Value(-1000.0).sigmoid(), exp(Value(-1000.0))):
        v.backward()  # no overflow on the way back either


def test_duplicate_variable_names_are_refused_in_formulas():
    a1, a2 = Value(1.0, label="a"), Value(2.0, label="a")
    out = a1 * a2
    out.backward()
    assert out.data == 2.0 and a1.grad == 2.0  # numbers are fine
    with pytest.raises(ValueError, match="both named 'a'"):
        _ = out.expr


def test_grad_expr_before_backward_says_what_to_do():
    a = Value(1.0, label="a")
    _ = a * 2
    with pytest.raises(RuntimeError, match="call backward"):
        _ = a.grad_expr


def test_too_deep_for_sympy_says_so_and_chain_view_still_works():
    x = Value(0.3, label="x")
    v = x
    for _ in range(3000):
        v = v.tanh()
    v.backward()
    assert x.chain_expr != 0
    with pytest.raises(RecursionError, match="grad_expr: SymPy cannot hold an expression nested"):
        _ = x.grad_expr
