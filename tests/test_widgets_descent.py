"""The descent panel as a view over explorer.descent.DescentModel: set the rate, the
steps, the direction and the method as a user would; the numbers are the model's
(tests/test_explorer_descent.py holds them against the closed forms); one test reads
them back off the page, the others read the words.
"""

import html
import math
import re

import pytest

from engine import Value
from widgets import Descent, descent
from widgets._common import num


def test_the_view_shows_the_models_numbers():
    p = descent(lr=0.05, steps=5)
    m = p.model
    assert p.trajectory is m.trajectory and p.critical_rate == m.critical_rate  # read through
    last = m.trajectory[-1]
    summary = html.unescape(p.summary.value)
    assert f"after 5 steps: x = {num(last['x'][0])}, f = {num(last['f'])}" in summary
    assert "x* = 2/3, f* = 11/3 = 3.66667" in summary
    dist = num(abs(last["x"][0] - m.optimum["x"][0]), 3)
    assert f"distance now {dist}" in summary
    rows = re.findall(r"<tr>(.*?)</tr>", p.table.value)  # the heading rows have a class
    assert len(rows) == len(m.trajectory) == 6
    for row, pt in zip(rows, m.trajectory):
        cells = [re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        assert cells[1:4] == [num(pt["x"][0]), num(pt["f"]), num(abs(pt["grad"][0]), 4)]
        assert cells[4:] == [num(pt.get(c), 4) for c in ("predicted", "predicted2", "actual")]
    for name, rate in (("critical", m.critical_rate), ("best", m.best_rate)):
        mark = re.search(rf'class="ade-rate-{name}"[^>]*data-rate="([^"]*)"', p.rate_marks.value)
        assert float(mark.group(1)) == rate
    assert "exact: f is quadratic" in p.rate_marks.value
    assert p.plot.value[:4] == b"\x89PNG"


def test_the_controls_run_the_model_again():
    p = descent(lr=0.1, steps=10)
    before = p.plot.value
    p.lr.value = 0.4
    assert p.diverged and "diverging" in p.summary.value and p.plot.value != before
    p.steps.value = 7
    assert len(p.trajectory) == 8
    p.direction.value = "ascent"
    assert p.trajectory[1]["x"][0] > 3 and "ascent by gradient" in p.summary.value
    p.direction.value, p.lr.value = "descent", 1 / 6
    assert p.trajectory[1]["x"][0] == pytest.approx(2 / 3, abs=1e-15)
    assert "diverging" not in p.summary.value


def test_newton_and_line_search_say_the_rate_is_not_theirs():
    p = descent("x**2 + 10*y**2 + x*y - 3*x", start={"x": 4, "y": -2}, method="newton")
    assert "rate is not used" in p.rate_marks.value
    before = p.trajectory
    p.lr.value = 0.5  # Newton chooses its own step: nothing to redo
    assert p.trajectory is before
    p.method.value = "line search"
    assert "exact line search, closed form" in p.summary.value
    q = descent("log(1 + x**2) + cosh(y)", start={"x": 1.5, "y": 0.8}, method="line search")
    assert "exact line search, numeric" in q.summary.value


def test_the_summary_says_what_happened():
    x = Value(0.3, label="x")
    p = descent((x * x + 1).log(), lr=0.2, steps=30)
    assert "no closed-form minimum" in p.summary.value and "not a polynomial" in p.summary.value
    y = Value(0.5, label="y")
    q = descent(y.log(), lr=1.0, steps=3)  # descent on log y: y -> 0.5 - 1/0.5 < 0
    assert "stopped at step 1" in q.summary.value and "log" in q.summary.value
    r = descent("-(x - 1)**2", start=3.0, lr=1.1, steps=10, ascent=True)
    assert "ascent by gradient" in r.summary.value and "f falls" in r.summary.value


def test_the_rate_marks_say_why_there_is_no_best_rate(example1):
    p = Descent(example1["L"], lr=0.01, steps=1, ascent=True)
    assert "saddle" in p.rate_marks.value and "no best rate" in p.rate_marks.value
    concave = descent("-(x**2) - y**2", start={"x": 1, "y": 1})
    assert "concave" in concave.rate_marks.value and "no safe rate" in concave.rate_marks.value
    assert "2nd order" in p.table.value


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"lr": 0}, "lr must be"),
        ({"lr": -0.1}, "lr must be"),
        ({"lr": 11}, "lr must be"),
        ({"steps": 10**6}, "steps must be"),
        ({"steps": 0}, "steps must be"),
        ({"steps": 2.5}, "steps must be"),
        ({"method": "adam"}, "method must be"),
    ],
)
def test_out_of_range_arguments_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words) as e:
        descent(**kwargs)
    assert "\n" not in str(e.value)


def test_the_controls_reach_the_ranges():
    p = descent(lr=1e-5, steps=1000)
    assert (p.lr.min, p.lr.max) == (-5, 1) and p.lr.value == pytest.approx(1e-5)
    assert p.steps.max == 1000 and len(p.trajectory) == 1001
    p.lr.value = 10.0
    assert p.diverged


def test_an_undefined_hessian_at_the_start_is_said():
    p = descent("sqrt(x) + x", start=1e-300, lr=0.01, steps=3)  # f'' = -x^(-3/2) / 4
    assert "no safe rate" in p.rate_marks.value and "Hessian is undefined" in p.rate_marks.value


def test_descent_takes_starting_values_as_keywords_like_every_panel():
    d = descent("x**2 + 10*y**2", x=1, y=2)
    assert d.names == ["x", "y"] and d.start == [1.0, 2.0]
    assert descent("x**2 + 10*y**2", start={"x": 1, "y": 2}).start == [1.0, 2.0]
    assert descent(lambda x: x**2, x=2, steps=3).start == [2.0]
    with pytest.raises(TypeError, match="not both"):
        descent("x**2", x=1, start={"x": 2})
    with pytest.raises(ValueError, match="rate, not in the expression"):
        descent("x**2", x=1, rate=0.1)  # a misspelt option is named, not swallowed


def test_the_rate_box_and_the_slider_follow_each_other():
    p = descent()
    p.lr.value = 1 / 6  # a drag: the box shows it to 4 digits, the run uses it exactly
    assert p.lr_text.value == "0.1667" and p.lr.value == 1 / 6
    p.lr_text.value = "0.105"  # typed: the slider moves there
    assert p.lr.value == 0.105
    assert p.trajectory[1]["x"][0] == pytest.approx(3 - 0.105 * 14, rel=1e-12)  # f'(3) = 14
    p.lr.value = 0.10495  # the slider's own rounding of a typed rate: the box keeps it
    assert p.lr_text.value == "0.105"
    for bad in ("abc", "0", "100"):
        p.lr_text.value = bad  # refused: the slider's rate comes back
        assert p.lr_text.value == "0.105" and p.lr.value == 0.10495


def test_the_steps_table_is_short_and_narrow():
    """A long run shows its first and last points and says how many it leaves out;
    two variables share one column (their values wrap there in a narrow column), and
    a network's many variables give the distance from the start."""
    from widgets._descent_table import EDGE

    p = descent(lr=0.01, steps=1000)
    table = p.table.value
    assert table.count("<tr>") == 2 * EDGE + 1
    assert f"… {1001 - 2 * EDGE} steps not shown" in table
    assert f"<td>{1000 - EDGE + 1}</td>" in table and f"<td>{1000}</td>" in table
    assert f"<td>{EDGE}</td>" not in table  # points 0 to EDGE - 1, then the gap

    p = descent("x**2 + 10*y**2", x=1, y=0.5, lr=0.01, steps=3)
    assert '<th rowspan="2">x, y</th>' in p.table.value
    assert "<span>1</span>, <span>0.5</span>" in p.table.value

    names = [f"a{i}" for i in range(6)]
    p = descent(" + ".join(f"{n}**2" for n in names), **dict.fromkeys(names, 1.0), steps=2)
    assert "|x − x₀|" in p.table.value
    moved = math.dist(p.trajectory[1]["x"], p.trajectory[0]["x"])
    assert f'<td class="ade-steps-point">{moved:.6g}</td>' in p.table.value


def test_the_legend_is_off_the_path_and_the_optimum_is_said_once(monkeypatch):
    """At rate 0.105 the path of the lecture's f zigzags over the whole plot: the
    left plot's legend lies wholly under its axes, where it covers nothing drawn;
    f* = 0 reads once, not "f* = 0 = 0" (11/3 still gets its decimals)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    import widgets._descent_plot as plot

    figures = []
    monkeypatch.setattr(plot, "_png", lambda fig: figures.append(fig) or b"")
    p = descent(lr=0.105, steps=10)
    left = figures[-1].axes[0]
    renderer = FigureCanvasAgg(figures[-1]).get_renderer()
    legend, axes = left.get_legend().get_window_extent(renderer), left.get_window_extent(renderer)
    assert legend.y1 <= axes.y0  # display coordinates: y grows upwards
    assert "f* = 11/3 = 3.66667" in p.summary.value

    q = descent("x**2 + 10*y**2", x=1, y=1, lr=0.05)
    assert "f* = 0;" in q.summary.value and "= 0 = 0" not in q.summary.value
