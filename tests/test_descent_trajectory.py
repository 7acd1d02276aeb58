"""explorer.descent.trajectory, the optimiser the descent panel shows, without a widget."""

import numpy as np
import pytest

from engine import SecondOrder, Value, hessian
from explorer.descent import trajectory


def bowl():
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    return x**2 + 10 * y**2, [x, y]


def test_gradient_steps_follow_the_rate_and_leave_the_graph_as_found():
    f, (x, y) = bowl()
    f.backward()
    before = (x.data, y.data, x.grad, y.grad)
    traj, stopped = trajectory(f, [x, y], [1.0, 1.0], 0.05, 3)
    assert stopped is None and len(traj) == 4
    # each step multiplies x by 1 - 2 lr and y by 1 - 20 lr (lambda = 2 and 20)
    assert traj[1]["x"] == pytest.approx([0.9, 0.0])
    assert traj[2]["x"] == pytest.approx([0.81, 0.0])
    # on a quadratic the second-order prediction is exact
    second = SecondOrder(f, [x, y])
    traj, _ = trajectory(
        f, [x, y], [1.0, 1.0], 0.01, 2, curve_along=lambda d: second.along(list(d))
    )
    assert traj[0]["predicted2"] == pytest.approx(traj[0]["actual"], rel=1e-12)
    assert (x.data, y.data, x.grad, y.grad) == before


def test_past_the_critical_rate_the_steps_diverge_and_newton_lands_in_one():
    f, v = bowl()
    traj, stopped = trajectory(f, v, [1.0, 1.0], 0.2, 5)  # 2/lambda_max = 0.1
    assert abs(traj[-1]["x"][1]) == pytest.approx(3.0**5)  # (1 - 0.2 * 20) = -3 each step
    traj, stopped = trajectory(f, v, [1.0, 1.0], 0.1, 2, "newton",
                               hessian_at=lambda x: hessian(f, v))  # fmt: skip
    assert np.allclose(traj[1]["x"], [0.0, 0.0]) and traj[1]["f"] == 0.0
