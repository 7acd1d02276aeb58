"""The nudge panel as a view over explorer.nudge.NudgeModel: move sliders as a user
would; the numbers are the model's (tests/test_explorer_nudge.py holds them against
the lecture's and hand-worked derivatives); one test reads them back off the page.
"""

import html
import math
import re

import pytest

from engine import Constant, Value
from explorer import inject_bug
from widgets import Nudge, nudge
from widgets._common import num

NAMES = ["x1", "w1", "x2", "w2", "b"]


def test_the_view_shows_the_models_numbers(neuron):
    p = nudge(neuron["o"])
    p.sliders["x1"].value = 2.5
    m = p.model
    assert p.names == m.names == NAMES and m.rows["x1"].value == neuron["x1"].data == 2.5
    for n in NAMES:
        r = m.rows[n]
        shown = (p.grads[n].value, p.closed[n].value, p.finite[n].value)
        assert shown == (num(r.grad, 10), num(r.closed_form, 10), num(r.finite_diff, 10))
        assert f"ade-verdict-{r.verdict}" in p.verdicts[n].value
    assert f'ade-output-value">{num(m.output, 10)}<' in p.output.value
    for which in ("first", "second", "actual"):
        cell = re.search(rf'class="ade-taylor-{which}"[^>]*>([^<]*)<', p.taylor.value)
        assert cell.group(1) == num(getattr(m.taylor, which), 10)
    svg = html.unescape(p.graph.value)  # dot writes '-' as &#45;
    assert "data 2.5000" in svg and f"grad {m.rows['x1'].grad:.4f}" in svg
    assert r"\partial o" in p.formulas["x1"].value and "w_{1}" in p.formulas["x1"].value
    kids = list(p.widget.children)  # the Taylor line sits right after the error line
    assert kids.index(p.taylor) == kids.index(p.error) + 1


@pytest.mark.parametrize("name,value", [("x1", 2.5), ("w1", -1.0), ("b", 4.0), ("x2", -1.25)])
def test_a_slider_moves_its_variable_and_the_model_follows(neuron, name, value):
    p = nudge(neuron["o"])
    graph_before, output_before = p.graph.value, p.model.output
    p.sliders[name].value = value
    x = p.sliders[name].value  # the slider's own value after its step rounding
    assert neuron[name].data == x == p.model.rows[name].value
    assert p.model.output == neuron["o"].data != output_before
    assert p.graph.value != graph_before
    assert f"data {x:.4f}" in html.unescape(p.graph.value)


def test_reset_restores_the_start(neuron):
    p = nudge(neuron["o"])
    start = (p.model.output, p.model.rows, p.graph.value)
    p.sliders["x1"].value = 3.0
    p.sliders["w2"].value = -2.0
    assert p.model.output != pytest.approx(start[0])
    p.reset.click()
    assert p.sliders["x1"].value == 2.0 and neuron["w2"].data == 1.0
    assert (p.model.output, p.model.rows, p.graph.value) == start


def test_domain_error_is_shown_then_clears():
    x = Value(2.0, label="x")
    y = x * x.log()
    y.label = "y"
    p = nudge(y, ranges={"x": (-2.0, 4.0)})
    good = (p.output.value, p.graph.value, p.grads["x"].value, p.model.rows)
    p.sliders["x"].value = -1.0
    assert "log of a non-positive number" in p.error.value
    assert "ade-error-shown" in p.error._dom_classes
    assert (p.output.value, p.graph.value, p.grads["x"].value, p.model.rows) == good
    p.sliders["x"].value = 3.0
    assert p.error.value == "" and "ade-error-shown" not in p.error._dom_classes
    assert p.model.output == pytest.approx(3 * math.log(3), rel=1e-9)
    assert p.graph.value != good[1]


def test_a_wrong_backward_is_flagged(neuron):
    """With tanh's derivative doubled in backward, every verdict turns 'wrong'."""
    with inject_bug("tanh", lambda m, g, out, xs, k: (2 * (1 - out**2) * g,)):
        p = nudge(neuron["o"])
        p.sliders["x1"].value = 2.5
        for n in ("x1", "w1", "x2", "b"):
            assert p.model.rows[n].verdict == "wrong"
            assert "ade-verdict-wrong" in p.verdicts[n].value
        assert p.report is p.model.report and p.report.ok is False


def test_range_boxes_move_the_slider_limits(neuron):
    p = nudge(neuron["o"])
    s = p.sliders["x1"]
    assert s.min < 2.0 < s.max
    lo, hi = p.limits["x1"].children[1:]
    hi.value = 1.0
    lo.value = -5.0
    assert (s.min, s.max) == (-5.0, 1.0)
    assert s.value == 1.0 and neuron["x1"].data == 1.0  # clamped, and the panel followed
    assert p.model.rows["x1"].value == 1.0 and p.model.output == neuron["o"].data


def test_bad_input_is_refused_by_name():
    with pytest.raises(TypeError, match="needs a Value"):
        Nudge(3.0)
    a = Value(1.0, label="a")
    with pytest.raises(ValueError, match="h must be a positive number"):
        Nudge(a * 2, h=0)
    with pytest.raises(ValueError, match="unknown variables"):
        nudge(a * 2, ranges={"z": (0, 1)})
    with pytest.raises(ValueError, match="needs min < max"):
        nudge(a * 2, ranges={"a": (1, 0)})
    with pytest.raises(ValueError, match="no variables"):
        nudge(Constant(1.0) * 2)


def test_formulas_of_a_wide_graph_are_typeset_when_opened():
    xs = [Value(float(i), label=f"a{i}") for i in range(1, 11)]
    y = sum(x * x * i for i, x in enumerate(xs, 1))
    p = nudge(y)
    assert p._formula_box.selected_index is None  # ten sliders: the formulas start folded
    assert all(f.value == "" for f in p.formulas.values())
    p._formula_box.selected_index = 0
    assert p.formulas["a3"].value.endswith("= 6 a_{3}$")  # d/da3 of 3 a3^2


def test_a_typed_value_past_the_range_extends_it_and_says_so(neuron):
    p = nudge(neuron["o"])
    s = p.sliders["x1"]
    assert s.max < 4.5
    p.typed["x1"].value = 4.5
    assert s.min < 4.5 < s.max and s.value == 4.5 and neuron["x1"].data == 4.5
    assert "outside its slider's range" in p.note.value
    assert p.limits["x1"].children[2].value == s.max  # the range boxes follow
    assert p.model.rows["x1"].value == 4.5 and p.model.output == neuron["o"].data
    p.sliders["x1"].value = 3.0  # and the text box follows the slider
    assert p.typed["x1"].value == 3.0


def test_a_panel_displays_with_its_stylesheet(neuron):
    p = nudge(neuron["o"])
    bundle = p._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    style, widget = p._box.children
    assert widget is p.widget and "ade-panel" in widget._dom_classes
    assert "<style>" in style.value and 'data-jp-theme-light="false"' in style.value


def test_out_of_range_arguments_are_refused_not_bent():
    for kwargs, message in (
        (dict(span=-1), "span must be a positive number"),
        (dict(span=0), "span must be a positive number"),
        (dict(h=0), "h must be a positive number"),
        (dict(h=float("nan")), "h must be a positive number"),
    ):
        with pytest.raises(ValueError, match=message):
            nudge("x*y", x=1, y=2, **kwargs)


def test_every_graph_is_taken_and_a_large_one_is_not_drawn():
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(300)]
    p = nudge(sum(x * x for x in xs))  # 901 nodes
    assert p.report.ok and "too many to draw" in p.graph.value
    assert len(p.sliders) == 300


def test_a_range_extension_reaches_the_browser_range_first():
    # The browser applies a message's keys in order; a value applied before the new
    # range is clamped at the old end and sent back, undoing the typed value (seen in
    # JupyterLab whenever the kernel's hash seed put 'value' first in hold_sync's set).
    import ipywidgets as W

    from widgets._common import extend_to

    slider = W.FloatSlider(value=2.5, min=0.0, max=4.0, step=0.01)
    sent = []
    slider._send = lambda msg, buffers=None: sent.append(msg["state"])
    assert extend_to(slider, 5.0)[1] >= 5.0
    keys = list(sent[0])
    assert keys.index("value") > max(keys.index(k) for k in ("min", "max", "step"))
    assert all(state.get("value", 5.0) == slider.value == 5.0 for state in sent)


def test_the_typed_box_shows_a_slider_value_without_float_noise():
    p = nudge("x*y", x=1.0, y=2.0)
    s, box = p.sliders["x"], p.typed["x"]
    s.value = 1.0499999999999998  # the browser's slider, snapped to its grid
    assert box.value == 1.05 and s.value == 1.0499999999999998  # only the view is rounded
    box.value = 0.7  # typed; the slider comes back with its grid's noise: 0.7 stays
    s.value = 0.7000000000000001
    assert box.value == 0.7
    assert p.model.output == pytest.approx(0.7 * 2.0, rel=1e-12)
    s.value = 0.75  # a drag elsewhere: the box follows
    assert box.value == 0.75


def test_the_taylor_line_says_why_there_is_no_second_order():
    p = nudge("x**1.5 + y", x=0.0, y=1.0)
    assert p.model.taylor.second is None
    assert "no Hessian here" in p.taylor.value and "ade-taylor-second" in p.taylor.value


def test_a_typed_value_between_the_sliders_points_keeps_its_digits():
    """The browser snaps a slider's value to its grid (min + k step) and sends that
    back: typed 2.3456789 on a grid of 0.01 became 2.35, computed at 2.35. The grid is
    shifted (same step, by less than a step) to pass through what was typed, and
    Reset puts the start back on a grid that passes through it."""
    from widgets._common import on_grid

    p = nudge("x*y", x=1.0, y=2.0)
    s, box = p.sliders["x"], p.typed["x"]
    step, lo, hi = s.step, s.min, s.max
    box.value = 2.3456789
    assert s.value == 2.3456789 and on_grid(s, 2.3456789)
    assert s.step == step and s.max == hi and lo - step < s.min <= lo
    assert box.value == 2.3456789 and p.root.data == pytest.approx(2.3456789 * 2.0, rel=1e-12)
    p.reset_values()
    assert s.value == 1.0 and on_grid(s, 1.0) and box.value == 1.0
