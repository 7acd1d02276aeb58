"""One node's own step: what its rule says at its inputs' current data.

A result node was made by a rule (``engine.rules``) applied to its inputs. Here is
everything that reads only that node and its inputs: its forward (``apply``), its
partials d node/d input (``local_grads``), where its rule has a kink or a pole
(``kink_value``, ``pole_value``) and how far its input may move before it stops
looking straight (``linear_scale``). A value the rule cannot give is a
``DomainError`` naming the inputs, never an inf or a nan passed on silently.

``backward_step`` is the hook through which a teacher replaces the step
``backward()`` takes at each node (``explorer.inject_bug``, the lecture's bugs).
"""

import contextlib
import math

from engine.rules import NUM, DomainError


def domain_error(why, children):
    """Raise ``DomainError(why)``, naming the inputs by label."""
    labels = ", ".join(repr(c.label) if c.label else "(unlabelled)" for c in children)
    raise DomainError(f"{why} (input {labels})")


def rule_args(v):
    """What v's rule is applied to: its inputs' data, then ``k`` for ``x ** k``."""
    xs = [c.data for c in v._prev]
    if v._k is not None:
        xs.append(v._k)
    return xs


def apply(rule, children, k=None):
    """A rule's forward on the children's data; a domain error names the inputs."""
    xs = [c.data for c in children]
    if k is not None:
        xs.append(k)
    if rule.check is not None and (why := rule.check(*xs)):
        domain_error(why, children)
    try:
        out = rule.forward(NUM, *xs)
    except OverflowError:
        domain_error(f"overflow: {rule.name} of {xs} is beyond a float", children)
    except (ValueError, ZeroDivisionError) as e:
        domain_error(f"{rule.name} is undefined at {xs} ({e})", children)
    if type(out) is not float:  # Python's float ** gives a complex for (-8) ** 0.5
        if isinstance(out, int):
            return float(out)
        domain_error(f"{rule.name} is undefined at {xs}", children)
    if out - out != 0.0:  # inf or nan: never passed on silently
        bad = [c for c in children if c.data - c.data != 0.0]
        if bad:
            domain_error(f"{rule.name} got a non-finite input {bad[0].data}", children)
        domain_error(f"overflow: {rule.name} of {xs} is {out}, beyond a float", children)
    return out


def local_grads(v):
    """d v/d input for each of v's inputs, at the inputs' current data: the rule's
    ``partials``. At a pole (1/x at 0) or past a float it is a ``DomainError``; a
    constant input's non-finite partial is 0 (a constant takes no gradient: the
    base of ``0 ** x``)."""
    if v._a is None:
        return ()
    if v._rule is None:
        raise TypeError(f"the op {v._op!r} was made without a rule: no local partials")
    xs = rule_args(v)
    try:
        ds = tuple(map(float, v._rule.partials(NUM, v.data, *xs)))
        pole = False
    except ZeroDivisionError:
        ds, pole = (), True
    except OverflowError:
        ds, pole = (math.inf,), False
    # raised here, not in the except clauses: the float error adds nothing
    inputs = v._prev
    if pole:
        domain_error(f"no derivative of {v._op} at {xs[: len(inputs)]}", inputs)
    if any(d - d != 0.0 for d in ds):  # inf or nan: fatal unless only a constant's
        ds = _finite_for_constants(inputs, ds)
    if ds is None:
        domain_error(
            f"overflow: the derivative of {v._op} at {xs[: len(inputs)]} is beyond a float",
            inputs,
        )
    return ds


def _finite_for_constants(inputs, ds):
    """The partials, a constant input's non-finite one set to 0; None if any other
    one is not finite."""
    if len(ds) != len(inputs):
        return None
    out = []
    for c, d in zip(inputs, ds):
        if d - d != 0.0:
            if not c.is_constant:
                return None
            d = 0.0
        out.append(d)
    return tuple(out)


def kink_value(v):
    """0 exactly where v's rule has a kink (relu and abs at 0, maximum at a tie), its
    sign telling the sides apart; None if the rule has no kink."""
    return _switch(v, v._rule and v._rule.kink)


def pole_value(v):
    """0 exactly at a pole or domain edge of v's rule (1/x at 0, log at 0, tan where
    cos x = 0), its sign telling the sides apart; None if it has none."""
    return _switch(v, v._rule and v._rule.pole)


def linear_scale(v):
    """How far v's first input may move before v stops looking straight (the rule's
    ``scale``: 1 for sin and exp, |x| for log), or a tuple, one per input (hypot
    near its origin), or None."""
    return _switch(v, v._rule and v._rule.scale)


def _switch(v, fn):
    return fn(*rule_args(v)) if fn else None


STEP_HOOK = [None]  # a teaching step in place of the rule table's (backward_step)


@contextlib.contextmanager
def backward_step(step):
    """Within the block, ``backward()`` (and ``v._backward()``) applies ``step(v)`` at
    each node instead of the rule table's step: the explicit hook through which
    ``explorer.inject_bug`` teaches the lecture's backward bugs. Blocks nest; on
    leaving one, however it is left, the step before it is back."""
    if not callable(step):
        raise TypeError(f"backward_step: expected a function step(node), got {step!r}")
    saved = STEP_HOOK[0]
    STEP_HOOK[0] = step
    try:
        yield
    finally:
        STEP_HOOK[0] = saved
