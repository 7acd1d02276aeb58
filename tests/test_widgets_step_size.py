"""The step-size panel as a view over explorer.step_size.StepSizeModel: set h, x and
the view as a user would; the numbers are the model's (tests/test_explorer_step_size.py
holds them against hand-written quotients and derivatives); one test reads them back
off the table, the others read the words and the plot.
"""

import html

import pytest

from engine import Value
from widgets import StepSize, step_size
from widgets._common import num

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_view_shows_the_models_numbers():
    p = step_size("exp(x)", x=20.0)
    pictures = [p.plot.value]
    for view, h, x in (("absolute", 1e-6, 20.0), ("relative", 1e-2, 1.0)):
        p.view.value, p.h.value, p.x.value = view, h, x
        m = p.model
        assert (m.h, m.x0) == (p.h.value, x) and p.relative == (view == "relative")
        scale = m.scale(p.relative)
        for r in ("backprop", "forward", "central"):
            assert p.cells[r, "value"].value == num(m.estimates[r], 12)
            assert p.cells[r, "error"].value == num(m.errors[r] / scale, 3)
        assert all(html.escape(t) in p.theory.value for t in m.theory.values())
        assert num(m.exact, 17) in p.exact_label.value
        assert p.plot.value[:8] == PNG and p.plot.value not in pictures
        pictures.append(p.plot.value)
    assert p.exact is p.model.exact and p.best_h is p.model.best_h  # read through


def test_the_plot_and_the_table_go_to_the_page_together():
    """A new h is drawn before any number changes, then the numbers and the picture
    are sent back to back: the table never shows the new h over the old picture (it
    ran 0.35 s ahead, the legend still naming the old h)."""
    p = step_size()
    events = []
    draw = p._mark
    p._mark = lambda h: events.append("drawn") or draw(h)
    for cell in p.cells.values():
        cell.observe(lambda c: events.append("number"), names="value")
    p.plot.observe(lambda c: events.append("picture"), names="value")
    p.h.value = 1e-6
    assert events[0] == "drawn" and events[-1] == "picture" and "number" in events
    assert "drawn" not in events[1:]


def test_domain_error_is_shown_and_clears():
    x = Value(2.0, label="x")
    p = step_size(x.log(), x)
    p.x.value = -1.0
    assert "log" in p.error.value and "ade-error" in p.error.value
    assert p.model.x0 == 2.0  # the last good point is kept
    p.x.value = 4.0
    assert p.error.value == "" and p.model.exact == 0.25


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="one variable"):
        step_size(Value(1.0, label="a") * Value(2.0, label="b"))
    with pytest.raises(ValueError, match="h must be"):
        step_size(h=10.0)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = StepSize().nothing


def test_the_quadratic_says_why_there_is_no_central_best_h():
    p = step_size()
    assert "exact up to round-off" in p.notes.value and "No best h" in p.notes.value
    assert "model h* = 5.4e-08" in p.notes.value


def test_relative_view_where_the_derivative_is_zero_says_so():
    p = step_size("x**2 + x**3", x=0.0)
    p.view.value = "relative"
    assert not p.relative and "no relative error" in p.notes.value


@pytest.mark.parametrize("text, x", [("exp(x)", 709.0), ("exp(x)", 709.7), ("x**300", 10.0)])
def test_functions_near_overflow_draw_or_say_why(text, x):
    """The overflowing quotients are left out; the panel draws what is finite, never
    raising matplotlib's 'Axis limits cannot be NaN or Inf'."""
    p = step_size(text, x=x)
    assert p.plot.value[:8] == PNG
    p.view.value = "relative"
    assert p.plot.value[:8] == PNG


def test_no_finite_quotient_is_a_message_not_a_crash():
    p = step_size("exp(x)", x=1.0)
    p.model.curve_error = {k: e * float("nan") for k, e in p.curve_error.items()}
    p._draw_curves()
    assert "no finite difference quotient" in p.error.value
    assert p._mark(1e-3) == b""


def test_a_derivative_without_a_value_at_x_is_said():
    """x^1.5 at 0: f' = 0 but f'' = 3 / (4 sqrt(x)) is infinite there."""
    p = step_size("x**1.5", x=0.0)
    assert "not finite at x" in p.notes.value
    assert p.plot.value[:8] == PNG


@pytest.mark.parametrize("target", ["3*x**2 - 4*x + 5", "x*y"])
def test_the_plots_title_and_legend_lie_inside_the_picture(target):
    """The title saying which difference is exact (f'' = 0, f''' = 0: one line each)
    and the legend under the plot are inside the figure: side by side the two
    sentences ran past its edge ("…exact up to round-off (n" in the page)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from engine.graph import variables_of
    from explorer import parse

    root = parse(target, x=3.0, y=2.0) if "y" in target else parse(target, x=3.0)
    p = step_size(root, next(v for v in variables_of(root) if v.label == "x"))
    fig, ax = p._fig, p._legend_ax
    renderer = FigureCanvasAgg(fig).get_renderer()
    assert "exact up to round-off" in ax.get_title()
    box = fig.bbox
    for artist in (ax.title, p._legend):
        r = artist.get_window_extent(renderer)
        assert box.x0 <= r.x0 and r.x1 <= box.x1 and box.y0 <= r.y0 and r.y1 <= box.y1, artist
