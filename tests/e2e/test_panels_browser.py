"""The step-size, descent and training panels in a real JupyterLab.

One notebook shows the panels. The test types a new h and a new learning rate
into the sliders' readouts, clicks the new controls and presses Run, then reads
the page: the forward difference shown is (f(3 + h) - f(3)) / h computed here
with floats; the relative view divides the errors by f'(3) = 14 and the theory
says the quadratic's central difference is exact up to round-off; the descent
shows its critical rate 1/3 on the rate ruler and past it says it diverges; the
method buttons switch Rosenbrock's valley from a fixed rate to the exact line
search and Newton; the progress bar and status reach the last step. It saves a
screenshot of each panel to out/screenshots/ ($SCREENSHOTS).
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
    "descent(lambda x, y: (1 - x)**2 + 100*(y - x**2)**2, start={'x': 1.2, 'y': 1.2},"
    " lr=2e-3, steps=1000)",
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
    os.makedirs(SHOTS, exist_ok=True)
    step, desc, train, valley = (output(page, i) for i in (1, 2, 3, 4))
    for area in (step, desc, train, valley):
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
    assert "exact up to round-off" in step.locator(".ade-step-notes").inner_text()
    error = step.locator(".ade-step-forward-error")
    absolute = number(error)
    shown = error.inner_text().strip()
    step.locator(".ade-step-view").get_by_role("button", name="relative").click()
    # the notes' typeset f′′ may show before the table: wait for the error cell itself
    page.wait_for_function(
        "([el, old]) => el.textContent.trim() !== old",
        arg=[error.element_handle(), shown],
    )
    assert number(error) == pytest.approx(absolute / 14, rel=2e-2)  # f'(3) = 14
    images_loaded(page, step)

    # descent: past 1/3 the steps diverge
    summary = desc.locator(".ade-summary")
    assert "diverging" not in summary.inner_text()
    assert "0.3333" in desc.locator(".ade-rate-critical").inner_text()
    assert "0.1667" in desc.locator(".ade-rate-best").inner_text()
    rate = desc.locator(".ade-rate-text input")  # the box beside the rate slider
    rate.fill("0.4")
    rate.press("Enter")
    summary.filter(has_text="diverging").wait_for()
    images_loaded(page, desc)

    # Rosenbrock's valley: the method buttons, from a fixed rate to line search and Newton
    vsum = valley.locator(".ade-summary")
    assert "by gradient, after 1000 steps" in vsum.inner_text()
    methods = valley.locator(".ade-descent-method")
    methods.get_by_role("button", name="line search").click()
    vsum.filter(has_text="exact line search, closed form").wait_for()
    assert "converged" in vsum.inner_text()  # it reaches the floor of f's rounding
    images_loaded(page, valley)
    valley.screenshot(path=os.path.join(SHOTS, "descent_line_search.png"))
    methods.get_by_role("button", name="newton").click()
    vsum.filter(has_text="by newton").wait_for()
    assert "rate is not used" in valley.locator(".ade-rate-note").inner_text()
    images_loaded(page, valley)

    # training: Run, and the progress bar and status reach the last step
    train.get_by_role("button", name="Run").click()
    train.locator(".ade-train-status").filter(has_text=f"after {STEPS} steps").wait_for()
    bar = train.get_by_role("progressbar")
    assert bar.count() == 0 or bar.first.get_attribute("aria-valuenow") in (None, str(STEPS))
    images_loaded(page, train)

    for name, area in (("step_size", step), ("descent", desc), ("training", train)):
        area.screenshot(path=os.path.join(SHOTS, f"{name}.png"))
    page.close()
