"""The explorer's page (``make app``: Voila) in Chromium, used as a student would.

The test starts Voila on the page exactly as ``make app`` does (``app/serve.py``),
types ``sin(x)*y``, drags the x slider with the mouse, and reads the page: the value,
both gradients and both verdicts change and are the engine's numbers for the new x,
and nothing in the page is wider than its 1000 px window. Then it types ``sin(`` and
sees the parser's one-line message. All along, nothing may be written to the
console as an error or a warning (the pinned Voila and widget manager agree on
JupyterLab's version) and no request may leave 127.0.0.1 (the page runs offline).
With $SCREENSHOTS set it photographs the page in both themes.
"""

import math
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import REPO, _free_port
from test_layout_browser import CELL_SCROLL_JS, CONTRAST_JS, OVERFLOW_JS

sys.path.insert(0, os.path.join(REPO, "app"))
from serve import command, environment  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS")


class Voila:
    def __init__(self, tmp, theme="light", **options):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = environment()
        env.update(
            JUPYTER_CONFIG_DIR=os.path.join(tmp, "config"),
            JUPYTER_RUNTIME_DIR=os.path.join(tmp, "runtime"),
        )
        self.log = os.path.join(tmp, f"voila-{theme}.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                command(self.port, theme, **options), env=env, cwd=tmp, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited:\n{open(self.log).read()[-3000:]}")
            try:  # any answer will do: the page itself runs a kernel, so it is slow
                urllib.request.urlopen(self.url + "voila/static/voila.js", timeout=5)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"voila did not answer:\n{open(self.log).read()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def watch(page, base):
    """Console errors, page errors and requests to anywhere but the server."""
    problems = []
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def request(r):
        if not r.url.startswith((base, "data:", "blob:")):
            problems.append(f"outside request: {r.url}")

    page.on("request", request)
    return problems


def number(page, selector):
    return float(page.locator(selector).first.inner_text().replace("\u2212", "-"))


def typed(page, selector, text):
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def test_the_page_without_code(tmp_path, browser):
    server = Voila(str(tmp_path))
    page = browser.new_page(viewport={"width": 1000, "height": 1100})
    page.set_default_timeout(60_000)
    problems = watch(page, server.url.rstrip("/"))
    try:
        page.goto(server.url)
        page.locator(".ade-expression input").wait_for()
        assert page.locator(".jp-InputArea").count() == 0  # no Python shown

        typed(page, ".ade-expression", "sin(x)*y")
        page.locator(".ade-row-y .ade-verdict").wait_for()
        assert number(page, ".ade-output-value") == pytest.approx(math.sin(1.0), rel=1e-9)
        before = {k: number(page, f".ade-grad-{k}") for k in "xy"}
        assert before["x"] == pytest.approx(math.cos(1.0), rel=1e-9)

        # drag the x slider's handle to the right with the mouse
        old = page.locator(".ade-output-value").inner_text()
        handle = page.locator(".ade-slider-x .noUi-handle").first
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
        page.mouse.up()
        page.wait_for_function(
            "old => document.querySelector('.ade-output-value').textContent !== old", arg=old
        )
        time.sleep(1.0)  # the drag's last updates
        x = float(page.locator(".ade-typed-x input").input_value())
        assert x > 1.05
        page.wait_for_function(
            "v => Math.abs(parseFloat(document.querySelector('.ade-output-value')"
            ".textContent) - v) < 1e-8",
            arg=math.sin(x),
        )
        assert number(page, ".ade-grad-x") == pytest.approx(math.cos(x), rel=1e-8)
        assert number(page, ".ade-grad-y") == pytest.approx(math.sin(x), rel=1e-8)
        assert number(page, ".ade-grad-x") != before["x"]
        for k in "xy":
            cls = page.locator(f".ade-row-{k} .ade-verdict").get_attribute("class")
            assert "ade-verdict-good" in cls or "ade-verdict-ok" in cls
        # the agreement table follows the slider too
        assert page.locator(".ade-app-check .ade-check-row").count() == 2
        # and the page fits its 1000 px window: nothing pokes out or scrolls sideways
        app = page.locator(".ade-app").element_handle()
        assert page.evaluate(OVERFLOW_JS, app) == []

        if SHOTS:
            shoot(page, "light")

        typed(page, ".ade-expression", "sin(")
        message = page.locator(".ade-message .ade-error")
        message.wait_for()
        assert "never closed" in message.inner_text() and "column" in message.inner_text()

        # the step-size and descent tabs on the same expression
        typed(page, ".ade-expression", "sin(x)*y")
        page.locator(".ade-message .ade-error").wait_for(state="detached")
        page.get_by_role("tab", name="descent").click()
        page.locator("div.ade-summary").wait_for()
        page.get_by_role("tab", name="step size").click()
        page.locator(".ade-step-forward-value").wait_for()
        time.sleep(0.5)
        assert not problems, "\n".join(problems)
    finally:
        page.close()
        server.stop()
    if SHOTS:
        dark = Voila(str(tmp_path), theme="dark")
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        try:
            page.goto(dark.url)
            page.locator(".ade-row-b .ade-verdict").wait_for()
            shoot(page, "dark")
        finally:
            page.close()
            dark.stop()


def shoot(page, theme):
    """The whole page: Voila scrolls inside its own box, so the window grows to hold it."""
    folder = os.path.join(REPO, SHOTS)
    os.makedirs(folder, exist_ok=True)
    height = page.evaluate("() => document.querySelector('.ade-app').scrollHeight") + 80
    page.set_viewport_size({"width": 1000, "height": min(height, 4000)})
    time.sleep(0.8)
    page.screenshot(path=os.path.join(folder, f"page_{theme}.png"))
    page.set_viewport_size({"width": 1000, "height": 1100})


def test_the_page_keeps_values_typed_in_either_order(tmp_path, browser):
    """A student fills "start" first (a form's natural order) or the expression
    first: either way x = 0.5, y = 3 is where x*y starts, f = 1.5. A number typed
    beside a slider is the number computed with, and is shown as typed."""
    server = Voila(str(tmp_path))
    page = browser.new_page(viewport={"width": 1000, "height": 1100})
    page.set_default_timeout(60_000)
    problems = watch(page, server.url.rstrip("/"))

    def starts_at(x, y, f):
        page.locator(".ade-row-y .ade-verdict").wait_for()
        page.wait_for_function(
            "v => Math.abs(parseFloat(document.querySelector('.ade-output-value')"
            ".textContent) - v) < 1e-12",
            arg=f,
        )
        assert float(page.locator(".ade-typed-x input").input_value()) == x
        assert float(page.locator(".ade-typed-y input").input_value()) == y

    try:
        page.goto(server.url)
        page.locator(".ade-expression input").wait_for()
        page.locator(".ade-row-b .ade-verdict").wait_for()
        # values first: "start" loses focus to the expression box, which gets Enter
        start = page.locator(".ade-values input")
        start.fill("x = 0.5, y = 3")
        page.locator(".ade-expression input").click()
        page.locator(".ade-message .ade-note").wait_for()  # the lecture's f lacks x, y
        assert start.input_value() == "x = 0.5, y = 3"
        typed(page, ".ade-expression", "x*y")
        starts_at(0.5, 3.0, 1.5)
        assert page.locator(".ade-message .ade-note").count() == 0

        # expression first, then the values
        typed(page, ".ade-expression", "x*y + 0*z")
        page.locator(".ade-row-z .ade-verdict").wait_for()
        typed(page, ".ade-expression", "x*y")
        page.locator(".ade-row-z").wait_for(state="detached")
        typed(page, ".ade-values", "x = 2, y = -1.5")
        starts_at(2.0, -1.5, -3.0)

        # a value typed between the slider's points keeps its digits (the browser
        # snapped it to the grid: 2.3456789 became 2.35) and shows none it lacks
        for x in (2.3456789, 1.05):
            typed(page, ".ade-typed-x", repr(x))
            page.wait_for_function(
                "v => Math.abs(parseFloat(document.querySelector('.ade-output-value')"
                ".textContent) - v) < 1e-12",
                arg=x * -1.5,
            )
            time.sleep(0.5)  # the slider's answer, if it moved x
            assert page.locator(".ade-typed-x input").input_value() == repr(x)
            assert number(page, ".ade-output-value") == pytest.approx(x * -1.5, abs=1e-12)
        time.sleep(0.5)
        assert not problems, "\n".join(problems)
    finally:
        page.close()
        server.stop()


def test_the_page_reads_in_both_themes_and_fits_at_two_widths(tmp_path, browser):
    """Every text of the page (each tab) at least 4.5:1 in the light and the dark
    page; at 1000 and 1440 px nothing pokes out, and no formula cell scrolls at 1440."""
    problems, worst = [], (99.0, "")
    for theme in ("light", "dark"):
        server = Voila(str(tmp_path), theme=theme)
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        page.set_default_timeout(60_000)
        try:
            page.goto(server.url)
            page.locator(".ade-row-b .ade-verdict").wait_for()
            page.locator(".ade-app-formulas mjx-container").first.wait_for()
            for tab, ready in (("explore", ".ade-app-check"), ("step size", ".ade-step-theory"),
                               ("descent", "div.ade-summary")):  # fmt: skip
                page.get_by_role("tab", name=tab).click()
                page.locator(ready).first.wait_for()
                for width in (1000, 1440):
                    page.set_viewport_size({"width": width, "height": 1100})
                    page.wait_for_timeout(500)
                    app = page.locator(".ade-app").element_handle()
                    where = f"{theme} page, {tab}, {width} px:"
                    for c in page.evaluate(CONTRAST_JS, app):
                        worst = min(worst, (c["ratio"], f"{where} {c['text']!r}"))
                        if c["ratio"] < 4.5:
                            problems.append(f"{where} {c['text']!r} contrast {c['ratio']:.2f}")
                    problems += [f"{where} {bad}" for bad in page.evaluate(OVERFLOW_JS, app)]
                    if tab == "explore" and width == 1440:
                        cells = page.evaluate(CELL_SCROLL_JS, app)
                        problems += [f"{where} a formula cell scrolls: {c}" for c in cells]
        finally:
            page.close()
            server.stop()
    print(f"\nlowest text contrast in the page: {worst[0]:.2f} ({worst[1]})")
    assert not problems, "\n".join(problems[:20])
