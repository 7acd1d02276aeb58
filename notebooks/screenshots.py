"""Open each notebook in JupyterLab in Chromium, run all, and screenshot chosen cells.

    .venv/bin/python notebooks/screenshots.py [00 05 ...]   # all notebooks by default

Uses the browser harness of the widgets tests (tests/e2e/conftest.py: a JupyterLab
server of its own on a temporary folder, Debian's Chromium through Playwright).
Each shot is one cell with its output, found by a line of its source, written to
docs/screenshots/notebook_<notebook>_<name>.png. Some shots first work a panel in
the browser (a slider moved with the keyboard, a button clicked) and check that
the panel answered, so the picture shows a live panel, not just a rendered one.
Fails on any cell that wrote to stderr or raised.
"""

import json
import pathlib
import shutil
import sys
import tempfile

import nbformat
from playwright.sync_api import sync_playwright

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from conftest import CHROMIUM, CHROMIUM_ARGS, Lab  # noqa: E402

OUT = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1100}


def slide(page, cell, label, presses=20):
    """Move the slider named ``label`` in the cell's panel with the keyboard;
    returns its aria value before and after."""
    slider = cell.locator(".widget-slider", has_text=label).get_by_role("slider").first
    before = slider.get_attribute("aria-valuenow")
    slider.click()
    for _ in range(presses):
        slider.press("ArrowRight")
    return before, slider.get_attribute("aria-valuenow")


def until(page, condition, what, timeout=60):
    """Poll until the panel shows the kernel's answer (every key press is one
    update for the kernel to work through)."""
    for _ in range(int(timeout * 4)):
        if condition():
            page.wait_for_timeout(1500)  # let the last queued updates land too
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the panel did not answer: {what}")


def window(width, height):
    """An action: a larger window before the shot. JupyterLab shows an SVG at its
    own size and scrolls a wide graph sideways, and an element's picture holds
    only what is on the screen: the window must hold all of the cell."""

    def resize(page, cell):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)
        cell.scroll_into_view_if_needed()

    return resize


wide = window(3400, 1100)


def text_of(cell, selector):
    return cell.locator(selector).first.inner_text()


def nudge_moves(page, cell, label):
    before = text_of(cell, ".ade-output-value")
    a, b = slide(page, cell, label)
    assert a != b, f"the slider {label} did not move"
    until(page, lambda: text_of(cell, ".ade-output-value") != before, "output after a slide")
    assert cell.locator(".ade-verdict-good, .ade-verdict-ok").count() > 0


def step_size_moves(page, cell, label="h"):
    before = cell.locator(".widget-label").all_inner_texts()
    a, b = slide(page, cell, label, presses=10)
    assert a != b
    until(page, lambda: cell.locator(".widget-label").all_inner_texts() != before, "estimates")


def type_value(cell, label, text):
    """Type a value into a slider's readout (arrow keys barely move a log slider)."""
    readout = cell.locator(".widget-slider", has_text=label).locator(".widget-readout").first
    readout.click()
    readout.press("Control+a")
    readout.type(text)
    readout.press("Enter")


def descent_moves(page, cell):
    before = text_of(cell, ".ade-summary")
    rate = cell.locator(".ade-rate-text input").first  # the box beside the rate slider
    rate.fill("0.3")
    rate.press("Enter")
    until(page, lambda: text_of(cell, ".ade-summary") != before, "the descent summary")


def training_runs(page, cell):
    cell.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "c => { const p = c.querySelector('.widget-progress progress, progress');"
        " return !p || p.value >= p.max; }",
        arg=cell.element_handle(),
    )
    page.wait_for_timeout(3000)


# notebook -> [(shot name, a line of the cell's source, an action on the cell or None)]
SHOTS = {
    "00_tour": [
        ("formulas", "formulas(o)", None),
        ("check", "report = check(o)", None),
        ("graph", "draw(o, formulas=", wide),
        ("nudge", "panel = nudge(o)", lambda p, c: nudge_moves(p, c, "w1")),
    ],
    "01_derivative": [
        ("plot", "xs = np.arange", None),
        ("closed_form", 'display(Math(rf"y =', None),
        ("step_size", "panel = step_size(", lambda p, c: step_size_moves(p, c)),
    ],
    "02_several_inputs": [("nudge", "panel = nudge(d)", lambda p, c: nudge_moves(p, c, "a"))],
    "03_value_object": [("graph", "dot = draw(L)", wide)],
    "04_manual_backprop": [
        ("formulas", "formulas(L)", None),
        ("graph", 'draw(L, formulas="chain"', wide),
    ],
    "05_optimisation_step": [
        ("descent", "parabola = descent(", lambda p, c: descent_moves(p, c)),
    ],
    "06_neuron": [("nudge", "panel = nudge(o)", lambda p, c: nudge_moves(p, c, "w1"))],
    "07_backward": [("bug_caught", "draw(L, verdicts=buggy)", wide)],
    "08_node_used_twice": [("bug_graph", "draw(f, verdicts=buggy", wide)],
    "09_tanh_decomposed": [("graph", "draw(o)", wide), ("rmul", "class ValueWithoutRmul", None)],
    "10_pytorch": [("compare", "def leaf(x):", None)],
    "11_mlp": [("fused_graph", "out_fused = fused(x)", window(3400, 2600))],
    "12_dataset_loss": [("dloss", "loss.backward()", None)],
    "13_parameters": [("grads", "plt.bar(", None), ("chain", "b_out = net.layers", None)],
    "14_gradient_descent": [
        ("zero_grad", "_, forgetful = descend(", None),
        ("training", "panel = training(", lambda p, c: training_runs(p, c)),
    ],
    "15_micrograd_demo": [("boundary", "h = 0.25", None)],
    "16_symbolic_sweep": [
        ("swell", "depths = [", window(1400, 2000)),
        ("formulas", "formulas(yv", None),
    ],
    "17_step_size": [
        ("step_size", 'panel = step_size("exp(x)"', None),
        ("line_search", "rosenbrock = descent(", None),
    ],
}


def cell_index(nb, needle):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and needle in cell.source:
            return i
    raise KeyError(f"no code cell contains {needle!r}")


def shoot(lab, path):
    nb = nbformat.read(path, as_version=4)
    page = lab.open(path.name, **VIEWPORT)
    try:
        lab.run_all(page)
        cells = page.locator(".jp-Notebook .jp-Cell")
        for name, needle, action in SHOTS.get(path.stem, []):
            cell = cells.nth(cell_index(nb, needle))
            cell.scroll_into_view_if_needed()
            page.wait_for_timeout(800)  # MathJax typesets after the output arrives
            if action is not None:
                action(page, cell)
            target = OUT / f"notebook_{path.stem}_{name}.png"
            cell.screenshot(path=str(target))
            page.set_viewport_size(VIEWPORT)
            print("wrote", target.relative_to(REPO))
    finally:
        page.close()


def main(prefixes):
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        paths = [p for p in paths if p.name[:2] in prefixes]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root, sync_playwright() as p:
        for path in paths:
            shutil.copy(path, root)
        tracker = pathlib.Path(root, ".lab/settings/@jupyterlab/notebook-extension")
        tracker.mkdir(parents=True)
        # every cell in the DOM, so that any cell can be found and photographed
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        lab = Lab(root, browser)
        try:
            lab.start()
            for path in paths:
                shoot(lab, path)
        finally:
            lab.stop()
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
