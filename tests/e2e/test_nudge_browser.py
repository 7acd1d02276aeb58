"""The nudge panel in a real JupyterLab, driven in Chromium as a user would.

A notebook builds the lecture's neuron and shows ``nudge(o)``; the test runs all
cells, types a new x1 into the slider's readout, then nudges it one step with the
arrow key, and after each move reads the page: the output value and every
gradient must be the engine's own numbers for that x1 (computed here, on a graph
built afresh), the verdicts must stay agreeing, and the graph must show the new
data. It saves a screenshot of the panel to out/screenshots/nudge.png ($SCREENSHOTS).
"""

import html
import os
import re

import pytest

from engine import Value

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# out/ by default, leaving the tree clean; SCREENSHOTS=docs/screenshots refreshes the docs
SHOT = os.path.join(REPO, os.environ.get("SCREENSHOTS", "out/screenshots"), "nudge.png")
NAMES = ("x1", "w1", "x2", "w2", "b")

NEURON = """\
from engine import Value
from widgets import nudge

# the lecture's neuron (chapter 6)
x1 = Value(2.0, label="x1"); x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1"); w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1; x1w1.label = "x1*w1"
x2w2 = x2 * w2; x2w2.label = "x2*w2"
s = x1w1 + x2w2; s.label = "x1*w1 + x2*w2"
n = s + b; n.label = "n"
o = n.tanh(); o.label = "o"
o.backward()"""


def engine_numbers(x1):
    """(o, {name: grad}) for the neuron at this x1, on a fresh graph."""
    vs = dict(x1=x1, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432)
    vs = {k: Value(v, label=k) for k, v in vs.items()}
    o = (vs["x1"] * vs["w1"] + vs["x2"] * vs["w2"] + vs["b"]).tanh()
    o.backward()
    return o.data, {k: v.grad for k, v in vs.items()}


def read(page, selector):
    return float(page.locator(selector).inner_text().replace("\u2212", "-"))


def wait_for_output(page, old):
    """Until the output value shown differs from ``old`` (the kernel answered)."""
    page.wait_for_function(
        "old => { const e = document.querySelector('.ade-output-value');"
        " return e && e.textContent !== old; }",
        arg=old,
    )


def check_page(page, x1):
    o, grads = engine_numbers(x1)
    assert read(page, ".ade-output-value") == pytest.approx(o, rel=1e-9)
    for name in NAMES:
        assert read(page, f".ade-grad-{name}") == pytest.approx(grads[name], rel=1e-9, abs=1e-12)
        assert read(page, f".ade-closed-{name}") == pytest.approx(grads[name], rel=1e-9, abs=1e-12)
        verdict = page.locator(f".ade-verdict-{name} .ade-verdict")
        assert re.search(r"ade-verdict-(good|ok)\b", verdict.get_attribute("class")), name
    svg = html.unescape(page.locator(".ade-graph svg").inner_html())
    assert f"data {x1:.4f}" in svg and f"grad {grads['x1']:.4f}" in svg


def test_nudge_x1_in_jupyterlab(lab):
    lab.notebook("nudge.ipynb", [NEURON, "panel = nudge(o)\npanel"])
    page = lab.open("nudge.ipynb")
    lab.run_all(page)
    page.locator(".ade-slider-x1").wait_for()
    check_page(page, 2.0)

    # type a value into the box beside the slider, as a user can
    old = page.locator(".ade-output-value").inner_text()
    typed = page.locator(".ade-typed-x1 input")
    typed.fill("2.5")
    typed.press("Enter")
    wait_for_output(page, old)
    assert float(typed.input_value()) == 2.5
    check_page(page, 2.5)

    # past the slider's end (4): the range extends, and the panel says so
    old = page.locator(".ade-output-value").inner_text()
    typed.fill("5")
    typed.press("Enter")
    wait_for_output(page, old)
    page.locator(".ade-note").filter(has_text="outside its slider's range").wait_for()
    check_page(page, 5.0)

    # and one step to the left with the keyboard: the box follows the slider
    old = page.locator(".ade-output-value").inner_text()
    slider = page.locator(".ade-slider-x1").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    wait_for_output(page, old)
    page.wait_for_function("() => document.querySelector('.ade-typed-x1 input').value !== '5'")
    x1 = float(typed.input_value())
    assert 4.9 < x1 < 5.0
    check_page(page, x1)

    os.makedirs(os.path.dirname(SHOT), exist_ok=True)
    page.locator(".jp-OutputArea-output:has(.ade-slider)").screenshot(path=SHOT)
    page.close()
