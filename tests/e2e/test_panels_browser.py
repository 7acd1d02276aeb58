"""The step-size, descent and training panels in a real JupyterLab.

One notebook shows the three panels. The test types a new h and a new learning
rate into the sliders' readouts and presses Run, then reads the page: the forward
difference shown is (f(3 + h) - f(3)) / h computed here with floats, the descent
past lr = 1/3 says it diverges, and the progress bar and status reach the last
step. It saves a screenshot of each panel to out/screenshots/ ($SCREENSHOTS).
"""

import os

import pytest

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# out/ by default, leaving the tree clean; SCREENSHOTS=docs/screenshots refreshes the docs
SHOTS = os.path.join(REPO, os.environ.get("SCREENSHOTS", "out/screenshots"))
STEPS = 15

CELLS = [
    "from widgets import descent, step_size, training",
    "step_size()  # the lecture's f(x) = 3x^2 - 4x + 5 at x = 3",
    "descent(lr=0.1, steps=10)",
    f"training(n_samples=50, hidden=(8, 8), lr=0.5, steps={STEPS})",
]


def f(x):
    return 3 * x**2 - 4 * x + 5


def output(page, i):
    """The output area of code cell i."""
    return page.locator(".jp-Notebook .jp-CodeCell").nth(i).locator(".jp-OutputArea-output")


def type_into(page, readout, text):
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def images_loaded(page, area):
    return page.wait_for_function(
        "el => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)",
        arg=area.element_handle(),
    )


def number(locator):
    return float(locator.inner_text().replace("\u2212", "-"))


def test_step_size_descent_training_in_jupyterlab(lab):
    lab.notebook("panels.ipynb", CELLS)
    page = lab.open("panels.ipynb", height=2600)
    lab.run_all(page)
    step, desc, train = output(page, 1), output(page, 2), output(page, 3)
    for area in (step, desc, train):
        area.locator("img").first.wait_for()
        images_loaded(page, area)

    # step size: h = 1e-3 to start, then 1e-6 typed in
    forward = step.locator(".ade-step-forward-value")
    assert number(forward) == pytest.approx((f(3.001) - f(3)) / 0.001, rel=1e-10)
    type_into(page, step.locator(".widget-readout"), "1e-6")
    page.wait_for_function(
        "el => !el.textContent.startsWith('14.003')", arg=forward.element_handle()
    )
    h = 1e-6
    assert number(forward) == pytest.approx((f(3 + h) - f(3)) / h, rel=1e-10)
    images_loaded(page, step)

    # descent: past 1/3 the steps diverge
    summary = desc.locator(".ade-summary")
    assert "diverging" not in summary.inner_text()
    type_into(page, desc.locator(".widget-readout").first, "0.4")
    summary.filter(has_text="diverging").wait_for()
    images_loaded(page, desc)

    # training: Run, and the progress bar and status reach the last step
    train.get_by_role("button", name="Run").click()
    train.locator(".ade-train-status").filter(has_text=f"after {STEPS} steps").wait_for()
    bar = train.get_by_role("progressbar")
    assert bar.count() == 0 or bar.first.get_attribute("aria-valuenow") in (None, str(STEPS))
    images_loaded(page, train)

    os.makedirs(SHOTS, exist_ok=True)
    for name, area in (("step_size", step), ("descent", desc), ("training", train)):
        area.screenshot(path=os.path.join(SHOTS, f"{name}.png"))
    page.close()
