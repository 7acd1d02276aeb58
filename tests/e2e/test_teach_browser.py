"""The backprop stepper and the exercise in a real JupyterLab (the lecture's chapter 8).

One notebook shows ``backprop(f)`` and ``exercise(f)`` on chapter 8's graph, where
a and b each feed two nodes. The test steps through the pass with the buttons and
the keyboard's arrows on the slider, and reads the card: step 9 of 9 shows a's
second contribution (−6 → −3). Then it answers the exercise as a student would:
a right grad, a wrong one (one contribution of a node used twice) with its
diagnosis, and a hint asked for. With $SCREENSHOTS set, it photographs the
stepper at three steps and the exercise, in the light and dark themes
(``backprop_step<k>_<theme>.png``, ``exercise_<theme>.png``).
"""

import os

import pytest
from conftest import REPO
from test_layout_browser import output, set_theme

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCREENSHOTS")
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}

CELLS = [
    "from engine import Value\n"
    "from widgets import backprop, exercise\n"
    "a, b = Value(-2.0, label='a'), Value(3.0, label='b')\n"
    "d = a * b; d.label = 'd'\n"
    "e = a + b; e.label = 'e'\n"
    "f = d * e; f.label = 'f'",
    "stepper = backprop(f)\nstepper",
    "quiz = exercise(f)\nquiz",
]


def wait_text(page, locator, text):
    """Wait until the element (looked up afresh: a card's HTML is replaced at each
    step, and its old elements keep their old text) contains text."""
    expect(locator).to_contain_text(text, timeout=30_000)


def shoot(page, area, name):
    if not SHOTS:
        return
    folder = os.path.join(REPO, SHOTS)
    os.makedirs(folder, exist_ok=True)
    area.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    area.screenshot(path=os.path.join(folder, f"{name}.png"))


def test_step_through_chapter_8_and_answer_the_exercise(lab):
    lab.notebook("teach.ipynb", CELLS)
    page = lab.open("teach.ipynb", width=1300, height=1400)
    lab.run_all(page)
    stepper, quiz = output(page, 1), output(page, 2)
    where = stepper.locator(".ade-bp-where")
    where.wait_for()
    assert "step 1 of 9" in where.inner_text()

    # the buttons
    stepper.locator(".ade-bp-next").click()
    wait_text(page, where, "step 2 of 9")
    stepper.locator(".ade-bp-last").click()
    wait_text(page, where, "step 9 of 9")
    card = stepper.locator(".ade-bp-card")
    assert "−6 → −3" in card.inner_text() and "(2 of 2)" in card.inner_text()
    # the keyboard: the slider takes the arrows
    stepper.locator(".ade-bp-slider [role=slider]").focus()
    page.wait_for_timeout(300)
    page.keyboard.press("ArrowLeft")
    wait_text(page, where, "step 8 of 9")
    assert "empty → −6" in card.inner_text()  # a's first contribution
    card.click()  # the slider sends its value once more when it loses focus: let it
    page.wait_for_timeout(500)
    stepper.locator(".ade-bp-first").click()
    wait_text(page, where, "step 1 of 9")
    stepper.locator(".ade-bp-slider [role=slider]").focus()
    page.wait_for_timeout(300)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
    wait_text(page, where, "step 4 of 9")
    card.click()
    page.wait_for_timeout(500)

    # the exercise: right, then wrong with its diagnosis, then a hint
    box = quiz.locator(".ade-ex-input input")
    question = quiz.locator(".ade-ex-question")
    assert "∂f/∂e" in question.inner_text()
    box.fill("-6")
    box.press("Enter")
    feedback = quiz.locator(".ade-ex-feedback")
    wait_text(page, feedback, "right")
    wait_text(page, question, "∂f/∂d")
    box.fill("1")
    box.press("Enter")
    wait_text(page, question, "∂f/∂b")
    box.fill("-2")  # only b's contribution through d
    box.press("Enter")
    wait_text(page, feedback, "node used twice")
    assert quiz.locator(".ade-ex-help").inner_text() == ""  # nothing shown unless asked
    quiz.locator(".ade-ex-hint").click()
    wait_text(page, quiz.locator(".ade-ex-help"), "b.grad = ")
    box.fill("b +")
    box.press("Enter")
    wait_text(page, quiz.locator(".ade-ex-message"), "not a number")
    assert "node used twice" in feedback.inner_text()  # the exercise goes on
    score = quiz.locator(".ade-ex-scoreline").inner_text()
    assert "2 of 4 right at the first try" in score and "1 hint" in score

    try:
        for short, theme in THEMES.items():
            set_theme(page, theme)
            for step in (4, 8, 9):
                stepper.locator(".ade-bp-first").click()
                wait_text(page, where, "step 1 of 9")
                for k in range(2, step + 1):  # each click answered before the next
                    stepper.locator(".ade-bp-next").click()
                    wait_text(page, where, f"step {k} of 9")
                page.wait_for_timeout(300)  # the drawing follows the card
                shoot(page, stepper, f"backprop_step{step}_{short}")
            shoot(page, quiz, f"exercise_{short}")
    finally:
        set_theme(page, "JupyterLab Light")
    page.close()
