"""The training panel as a view over explorer.training.Trainer: press Run as a user
would, read the progress, the status and the timing; the losses are the trainer's
(tests/test_explorer_training.py holds them against the lecture's loop by hand).
"""

import sys
import time

import pytest

from widgets import Training, training
from widgets._common import num


def test_the_run_button_trains_and_the_view_shows_the_trainers_numbers():
    p = training("lecture")
    t = p.trainer
    assert p.steps.value == 20 and p.lr.value == pytest.approx(0.1)
    assert not p.decay.value and p.graph.value == t.graph == "micrograd"
    before = p.plot.value
    p.run_button.click()  # runs in a thread, as in the page
    assert p.run_button.disabled and not p.stop_button.disabled or not p.running
    p.wait()
    assert len(t.losses) == 20 and p.losses is t.losses  # the trainer's, read through
    assert p.progress.value == p.progress.max == 20
    assert p.status.value == (
        f"after 20 steps: loss {num(t.loss, 5)}, accuracy {100 * t.accuracy:.0f}% "
        f"(4 samples, 41 parameters); rate {p.lr.value:.3g}, "
        f"critical rate 2/λmax {t.critical_rate:.3g}"
    )
    assert p.plot.value != before and not p.run_button.disabled
    assert "20 steps in" in p.timing.value and "micrograd's graph" in p.timing.value


def test_new_network_and_a_new_graph_start_again():
    p = training("lecture", steps=5)
    p.run()
    first = list(p.losses)
    p.reset_button.click()
    assert p.losses == [] and p.progress.value == 0 and p.timing.value == ""
    p.graph.value = "fused"  # a new graph: a new network on it, from the same seed
    assert p.trainer.graph == "fused" and p.model is p.trainer.model
    p.run()
    assert p.losses == pytest.approx(first, rel=1e-12)
    assert "same losses" in p.same.value and "the fused graph" in p.timing.value


def test_the_moons_demo_defaults_to_the_compiled_graph():
    p = training(n_samples=16, hidden=(4,), grid=5)
    assert p.graph.value == "compiled" and p.decay.value and p.steps.value == 100
    assert p.boundary[2].shape == (5, 5)  # drawn at the start


def _stop_after_three_steps(p):
    """Start a run in the background, stop it once three losses are in, and wait."""
    p.start()
    deadline = time.monotonic() + 30
    while len(p.losses) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    p.stop()
    p.wait(30)


def test_stop_ends_a_background_run_and_the_status_keeps_up(monkeypatch):
    T = sys.modules["widgets.training"]

    monkeypatch.setattr(T, "STATUS_EVERY", 0.0)
    p = training("moons", n_samples=30, hidden=(8,), steps=500, graph="micrograd")
    seen = []
    p.status.observe(lambda c: seen.append(c["new"]), names="value")
    _stop_after_three_steps(p)
    assert not p.running and not p.run_button.disabled and p.stop_button.disabled
    assert 3 <= len(p.losses) < 500 and "(stopped)" in p.timing.value
    running = [t for t in seen if t.startswith("running")]
    assert running, seen
    # the status while running shows the curve's last point, never a stale loss
    k = int(running[-1].split("step ")[1].split(" ")[0])
    assert num(p.losses[k - 1], 5) in running[-1]


def test_after_stop_the_status_says_so_before_the_last_picture():
    p = training("moons", n_samples=30, hidden=(8,), steps=500, graph="micrograd")
    events = []
    p.status.observe(lambda c: events.append(c["new"]), names="value")
    p.plot.observe(lambda c: events.append("picture"), names="value")
    _stop_after_three_steps(p)
    last_picture = len(events) - 1 - events[::-1].index("picture")
    before = [e for e in events[:last_picture] if e != "picture"]
    assert before and before[-1].startswith(f"after {len(p.losses)} steps"), events[-4:]


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="dataset must be one of"):
        Training("iris")
    with pytest.raises(ValueError, match="graph must be one of"):
        Training("moons", graph="torch")
