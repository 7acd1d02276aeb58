"""``exercise(target)``: the student does backprop by hand; the panel checks each step.

A view over ``explorer.exercise.Exercise`` (the judging; a test answers it without
a widget). The blanks come in backward order, as in the lecture's chapters 4 to 8:
each node's gradient (a number), or each local derivative (a formula in the
nodes' names, read by the project's parser, never ``eval``). The drawing fills in
each grad once it is right (the others stay empty) and outlines the node being
asked about. An answer gets right or not right and, where one fits, a diagnosis;
a hint or the answer only when asked (the buttons), both counted in the score.
Text that cannot be read gets one line in the panel and the exercise goes on.
"""

import html

import ipywidgets as W

from explorer import draw
from explorer.backprop import MAX_NODES
from explorer.exercise import KINDS, Exercise
from explorer.target import name_output, resolve
from widgets._common import MUTED, STATUS, Panel, error_html, row, svg_inline

PROMPTS = {
    "grads": "the gradient (a number)",
    "locals": "the local derivative (a formula in the nodes' names, e.g. 1 - o**2)",
}


class ExercisePanel(Panel):
    """The exercise panel (see the module docstring). For tests: ``.model``,
    ``.kind`` (ToggleButtons), ``.question`` (HTML), ``.input`` (Text), ``.check``,
    ``.hint_button``, ``.reveal_button``, ``.skip`` (Buttons), ``.feedback`` (HTML:
    right / not right and the diagnosis), ``.help`` (HTML: the hint or answer asked
    for), ``.message`` (HTML: why an input could not be read), ``.score`` (HTML),
    ``.graph`` (HTML); ``.answer(node_or_label, answer)`` answers as the student
    would and returns the ``Feedback``."""

    def __init__(self, root, kind="grads", max_nodes=MAX_NODES):
        self.root, self.max_nodes = root, max_nodes
        self.kind = W.ToggleButtons(options=list(KINDS), value=kind, description="fill in")
        self.kind.add_class("ade-ex-kind")
        self.question = W.HTML()
        self.question.add_class("ade-ex-question")
        self.input = W.Text(placeholder="your answer, then Enter", continuous_update=False,
                            layout=W.Layout(flex="1 1 200px", max_width="360px"))  # fmt: skip
        self.input.add_class("ade-ex-input")
        self.check = W.Button(description="check", button_style="primary")
        self.hint_button = W.Button(description="hint")
        self.reveal_button = W.Button(description="show answer")
        self.skip = W.Button(description="next blank")
        for b, cls in [(self.check, "check"), (self.hint_button, "hint"),
                       (self.reveal_button, "reveal"), (self.skip, "skip")]:  # fmt: skip
            b.add_class(f"ade-ex-{cls}")
            b.layout.width = "auto"
        self.feedback, self.help, self.message = W.HTML(), W.HTML(), W.HTML()
        self.feedback.add_class("ade-ex-feedback")
        self.help.add_class("ade-ex-help")
        self.message.add_class("ade-ex-message")
        self.history = W.HTML(layout=W.Layout(max_width="100%"))
        self.history.add_class("ade-ex-history")
        self._log = []  # (key, answer, Feedback), the latest first
        self.score = W.HTML()
        self.score.add_class("ade-ex-score")
        self.blanks = W.HTML(layout=W.Layout(max_width="100%"))
        self.blanks.add_class("ade-ex-blanks")
        self.graph = W.HTML(layout=W.Layout(max_width="100%"))
        self.graph.add_class("ade-ex-graph")
        self.widget = W.VBox(
            [
                self.kind,
                self.question,
                row([self.input, self.check, self.hint_button, self.reveal_button, self.skip]),
                self.message,
                self.feedback,
                self.help,
                self.history,
                self.score,
                self.blanks,
                self.graph,
            ],
            layout=W.Layout(max_width="100%"),
        )
        self.widget.add_class("ade-exercise")
        self._at = None  # the item asked about
        self.check.on_click(lambda _: self._submit())
        self._judged = None  # (item, text) last judged: Enter then "check" counts once
        self.input.observe(lambda ch: ch["new"].strip() and self._submit(), names="value")
        self.hint_button.on_click(lambda _: self._ask("hint"))
        self.reveal_button.on_click(lambda _: self._ask("reveal"))
        self.skip.on_click(lambda _: self._next_blank())
        self.kind.observe(lambda ch: self._reload(ch["new"]), names="value")
        self._load(kind)

    # -- the model ---------------------------------------------------------------
    def _load(self, kind):
        try:
            self.model = Exercise(self.root, kind, self.max_nodes)
        except (ValueError, TypeError, ArithmeticError) as e:
            self.model = None
            self.message.value = error_html(str(e))
            return
        self.message.value = self.feedback.value = self.help.value = ""
        self._at = self.model.current
        self._refresh()

    def _reload(self, kind):
        self._log = []
        self._load(kind)

    # -- answering ---------------------------------------------------------------
    def answer(self, which, answer):
        """Answer as the student would (the panel shows the result); the Feedback."""
        which = self._at if which is None else which
        try:
            self._at = self.model.item(which)
        except KeyError:
            pass  # the model's Feedback says so, in one line
        fb = self.model.answer(which, answer)
        self._show_feedback(fb)
        return fb

    def _submit(self):
        if self.model is None or self._at is None:
            return
        if not self.input.value.strip() or self._judged == (self._at, self.input.value):
            return
        self._judged = (self._at, self.input.value)
        self.answer(self._at, self.input.value)

    def _show_feedback(self, fb):
        if fb.error:  # the last judgement stays: nothing new was judged
            self.message.value = error_html(fb.error)
        else:
            self._log.insert(0, (fb.item, fb))
            del self._log[6:]
            self.message.value = self.help.value = ""
            if fb.correct:
                self.feedback.value = _line("✓ right", "good", "ade-ex-right")
            else:
                words = "✗ not right" + (f": {fb.diagnosis}" if fb.diagnosis else "")
                self.feedback.value = _line(words, "wrong", "ade-ex-wrong")
            if fb.correct:
                self.input.value = ""
                self._at = self.model.current
        self._refresh()

    def _ask(self, what):
        if self.model is None or self._at is None:
            return
        text = getattr(self.model, what)(self._at)
        label = "hint" if what == "hint" else "answer"
        self.help.value = (
            f'<div class="ade-ex-{label}" style="color:{MUTED}"><b>{label}:</b> '
            f"{html.escape(text)}</div>"
        )
        if what == "reveal":
            self._at = self.model.current or self._at
        self._refresh(keep_help=True)

    def _next_blank(self):
        if self.model is None:
            return
        items = self.model.items
        start = items.index(self._at) + 1 if self._at in items else 0
        rest = [it for it in items[start:] + items[:start] if not it.done]
        self._at = rest[0] if rest else None
        self.feedback.value = self.help.value = self.message.value = ""
        self._refresh()

    # -- showing -----------------------------------------------------------------
    def _refresh(self, keep_help=False):
        m = self.model
        it = self._at
        if it is None:
            self.question.value = _line("all blanks done", "good", "ade-ex-done")
        else:
            self.question.value = (
                f'<div><b class="ade-ex-key">{html.escape(it.key)}</b> = ? '
                f'<span style="color:{MUTED}">{html.escape(PROMPTS[m.kind])}</span></div>'
            )
        self.history.value = _history_html(self._log)
        s = m.score
        self.score.value = f'<div class="ade-ex-scoreline">score: {html.escape(str(s))}</div>'
        marks = []
        for x in m.items:
            mark = "✓" if x.correct else "shown" if x.revealed else "✗" if x.attempts else "·"
            style = "font-weight:bold;text-decoration:underline" if x is it else ""
            marks.append(f'<span style="{style}">{html.escape(x.key)} {mark}</span>')
        self.blanks.value = '<div class="ade-num">' + " &nbsp; ".join(marks) + "</div>"
        self._draw()

    def _draw(self):
        m = self.model
        known = {x.node: x.truth for x in m.items if x.done and m.kind == "grads"}
        state = {}
        for v in m.order:
            grad = 1.0 if v is m.root else known.get(v)
            state[v] = (v.data, grad)
        it = self._at
        mark = [] if it is None else [it.node if m.kind == "grads" else it.output]
        accent = [it.node] if it is not None and m.kind == "locals" else []
        try:
            dot = draw(m.root, highlight=mark, accent=accent, state=state,
                       edge_derivatives=False, max_nodes=self.max_nodes)  # fmt: skip
            self.graph.value = svg_inline(dot)
        except Exception as e:  # graphviz missing or failing: the exercise goes on
            self.graph.value = error_html(f"the drawing failed: {e}")


def _history_html(log):
    """The last answers judged, the latest first: what each got."""
    if not log:
        return ""
    rows = []
    for key, fb in log:
        shown = "" if fb.value is None else f" = {fb.value:.6g}"
        if fb.correct:
            words, colour = "✓ right", STATUS.get("good", MUTED)
        else:
            words = "✗ " + (fb.diagnosis or "not right")
            colour = STATUS.get("wrong", MUTED)
        rows.append(
            f'<div><span class="ade-num">{html.escape(key + shown)}</span> '
            f'<span style="color:{colour}">{html.escape(words)}</span></div>'
        )
    return f'<div style="font-size:12px;color:{MUTED}">answers so far:</div>' + "".join(rows)


def _line(text, kind, cls):
    colour = STATUS.get(kind, MUTED)
    return f'<div class="{cls}" style="color:{colour};font-weight:bold">{html.escape(text)}</div>'


def exercise(target, kind="grads", *, max_nodes=MAX_NODES, start=None, **values):
    """The exercise panel for a graph's output, an expression's text with its values
    (``exercise("tanh(n)", n=0.88, kind="locals")``) or a function of Values."""
    if values and start is None:
        start = values
    root, variables, built = resolve(target, start=start, what="exercise")
    if built:
        name_output(root, {v.label for v in variables})
    return ExercisePanel(root, kind=kind, max_nodes=max_nodes)


__all__ = ["ExercisePanel", "exercise"]
