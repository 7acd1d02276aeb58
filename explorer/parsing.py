"""``parse(text, **values)``: an arithmetic expression in, a graph of Values out.

``parse("tanh(x1*w1 + x2*w2 + b)", x1=2, w1=-3, x2=0, w2=1, b=6.88)`` builds the
lecture's neuron: one variable per name, labelled with that name.

The text is only ever *read*: Python's ``ast`` parser turns it into a tree, and
the tree is walked against a whitelist. Nothing is evaluated by Python (no
``eval``, ``exec``, ``compile`` of the code, no ``sympify``), so a text such as
``__import__('os').system('rm -rf /')`` is just a tree with a Call of an
Attribute in it, refused with a one-line message that says what and where.

Accepted: numbers, names that have values, ``+ - * / ** %``, unary ``-`` and ``+``,
parentheses, and calls of the engine's functions (``engine.FUNCTIONS``: every
function of the rule table, ``sin(x)``, ``maximum(a, b)``, and any registered with
``engine.primitive``). Arithmetic between two plain numbers folds in float arithmetic,
exactly as Python would evaluate the same text with Values for the names
(``2*3*x`` is ``6.0 * x``), so ``9**9**9`` overflows at once instead of running.
"""

import ast
import math
import numbers

import engine
from engine import DomainError, Value
from explorer.syntax import explain

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 100  # nested parentheses, calls and unary operators

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** _exponent(b),
    ast.Mod: lambda a, b: a % b,  # Python's: the sign of b (the table's mod)
}
_HINTS = {
    ast.BitXor: "'^' is exclusive-or in Python: write ** for a power",
    ast.FloorDiv: "'//' (floor division) is not differentiable: use /",
    ast.MatMult: "'@' (matrix product) is not supported",
}


def _allowed():
    return "numbers, names, + - * / ** %, parentheses and " + ", ".join(engine.FUNCTIONS)


# What an AST node type is called in a message.
_KINDS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "f-string",
    ast.Compare: "comparison",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "conditional expression",
    ast.Tuple: "tuple",
    ast.List: "list",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.Starred: "starred argument",
    ast.NamedExpr: "assignment ':='",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


class ParseError(ValueError):
    """The text is not an expression ``parse`` accepts; the message is one line."""


def _exponent(k):
    """A float exponent that is a whole number becomes an int, so ``x**2`` reads '**2'."""
    if isinstance(k, float) and k.is_integer() and abs(k) < 2**53:
        return int(k)
    return k


def _one_line(s, limit=40):
    s = repr(s)[1:-1]
    return s if len(s) <= limit else s[: limit - 1] + "…"


class _Source:
    """The text, for turning AST positions (UTF-8 byte offsets) into columns."""

    def __init__(self, text, indent):
        self.lines = text.split("\n")
        self.indent = indent  # characters stripped from the front of line 1

    def where(self, lineno, byte_col):
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        col = len(line.encode()[:byte_col].decode(errors="ignore")) + 1
        if lineno == 1:
            col += self.indent
        return f"column {col}" if len(self.lines) == 1 else f"line {lineno}, column {col}"

    def at(self, node):
        return self.where(node.lineno, node.col_offset)

    def snippet(self, node):
        try:
            seg = ast.get_source_segment("\n".join(self.lines), node)
        except Exception:  # positions outside the text: no snippet rather than a crash
            seg = None
        return f" {_one_line(seg)!r}" if seg else ""


def _kind(node):
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, str):
            return "string"
        if isinstance(v, bytes):
            return "bytes literal"
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, complex):
            return "complex number"
        return f"constant {v!r}"
    return _KINDS.get(type(node), type(node).__name__)


def _prescan(text):
    """Refuse what should never reach Python's parser: control characters and
    nesting deep enough to exhaust its recursion limit."""
    depth = 0
    for i, ch in enumerate(text):
        if (ch < " " and ch not in "\t\n\r") or ch == "\x7f":
            raise ParseError(f"column {i + 1}: control character {ch!r} is not allowed")
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"column {i + 1}: nesting too deep (over {MAX_DEPTH} levels)")
        elif ch in ")]}":
            depth -= 1


def _check_tree(tree, src):
    """Walk the tree (iteratively) against the whitelist; return {name: first Name node}."""
    names = {}
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"{src.at(node)}: nesting too deep (over {MAX_DEPTH} levels)")
        where = src.at(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ParseError(f"{where}: {_kind(node)}{src.snippet(node)} is not allowed")
        elif isinstance(node, ast.Name):
            _check_name(node.id, where)
            if node.id in engine.FUNCTIONS:
                raise ParseError(f"{where}: {node.id} is a function: call it as {node.id}(...)")
            first = names.get(node.id)
            if first is None or (node.lineno, node.col_offset) < (first.lineno, first.col_offset):
                names[node.id] = node  # the walk is not in source order: keep the earliest
        elif isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BINOPS:
                hint = _HINTS.get(op, f"operator {op.__name__} is not supported")
                raise ParseError(f"{where}: {hint}")
            # A left-leaning chain (a + b + c + ...) is long, not deep.
            left_depth = depth if isinstance(node.left, ast.BinOp) else depth + 1
            stack.append((node.left, left_depth))
            stack.append((node.right, depth + 1))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                what = "'not'" if isinstance(node.op, ast.Not) else "'~' (bitwise not)"
                raise ParseError(f"{where}: {what} is not allowed")
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            _check_call(node, src)
            stack.extend((a, depth + 1) for a in node.args)
        else:
            raise ParseError(
                f"{where}: {_kind(node)}{src.snippet(node)} is not allowed (only {_allowed()})"
            )
    return names


def _check_name(name, where):
    if "__" in name:
        raise ParseError(f"{where}: dunder name {name!r} is not allowed")


def _check_call(node, src):
    where = src.at(node)
    if not isinstance(node.func, ast.Name):
        raise ParseError(
            f"{where}: only the functions {', '.join(engine.FUNCTIONS)} can be called, "
            f"not{src.snippet(node.func)}"
        )
    name = node.func.id
    _check_name(name, where)
    if name not in engine.FUNCTIONS:
        raise ParseError(
            f"{where}: unknown function {name!r} (the functions are {', '.join(engine.FUNCTIONS)})"
        )
    if node.keywords:
        raise ParseError(f"{where}: keyword arguments are not allowed in {name}(...)")
    arity = engine.FUNCTIONS[name].arity
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ParseError(f"{where}: starred argument is not allowed in {name}(...)")
    if len(node.args) != arity:
        takes = "one argument" if arity == 1 else f"{arity} arguments"
        raise ParseError(f"{where}: {name}() takes {takes}, got {len(node.args)}")


def _variables(names, values, src):
    """One Value per name, labelled with it; refuse missing and unused values."""
    for key in values:
        if not isinstance(key, str) or not key.isidentifier():
            raise ParseError(f"{key!r} is not a valid name")
        _check_name(key, "a value's name")
        if key in engine.FUNCTIONS:
            raise ParseError(f"{key!r} is a function name: give the variable another name")
    extra = sorted(set(values) - set(names))
    if extra:
        raise ParseError(f"a value was given for {', '.join(extra)}, not in the expression")
    out = {}
    for name, node in names.items():
        if name not in values:
            raise ParseError(f"{src.at(node)}: no value for {name!r}: give it, e.g. {name}=1.0")
        v = values[name]
        if isinstance(v, Value):
            if not v.label:
                v.label = name
            out[name] = v
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ParseError(f"the value of {name!r} must be a real number, got {v!r}")
        try:
            x = float(v)
        except OverflowError:
            raise ParseError(f"the value of {name!r} is too large for a float") from None
        if not math.isfinite(x):
            raise ParseError(f"the value of {name!r} must be finite, got {v}")
        out[name] = Value(x, label=name)
    return out


def _apply_call(fn, args):
    return fn(*args)


def _fold(op, a, b, node, src):
    """Arithmetic on the evaluated operands; a domain error names the node and column."""
    try:
        r = op(a, b)
    except DomainError as e:
        raise DomainError(f"{src.at(node)}:{src.snippet(node)}: {e}") from None
    except ZeroDivisionError:
        raise DomainError(f"{src.at(node)}:{src.snippet(node)}: division by zero") from None
    except OverflowError:
        raise DomainError(f"{src.at(node)}:{src.snippet(node)}: overflow beyond a float") from None
    if isinstance(r, complex):
        raise DomainError(
            f"{src.at(node)}:{src.snippet(node)}: a negative base to a fractional power"
        )
    if isinstance(r, float) and not math.isfinite(r):
        raise DomainError(f"{src.at(node)}:{src.snippet(node)}: overflow beyond a float")
    return r


def _evaluate(tree, variables, src):
    """Post-order over the tree with an explicit stack: no recursion on depth."""
    done = {}
    stack = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            try:
                done[node] = float(node.value)
            except OverflowError:
                raise ParseError(f"{src.at(node)}: number too large for a float") from None
            if not math.isfinite(done[node]):
                raise ParseError(f"{src.at(node)}: number too large for a float")
        elif isinstance(node, ast.Name):
            done[node] = variables[node.id]
        elif not ready:
            stack.append((node, True))
            kids = (
                [node.left, node.right]
                if isinstance(node, ast.BinOp)
                else [node.operand]
                if isinstance(node, ast.UnaryOp)
                else node.args
            )
            stack.extend((k, False) for k in reversed(kids))
        elif isinstance(node, ast.BinOp):
            a, b = done.pop(node.left), done.pop(node.right)
            done[node] = _fold(_BINOPS[type(node.op)], a, b, node, src)
        elif isinstance(node, ast.UnaryOp):
            x = done.pop(node.operand)
            done[node] = -x if isinstance(node.op, ast.USub) else x
        else:  # a whitelisted call
            call = engine.FUNCTIONS[node.func.id]
            args = [done.pop(a) for a in node.args]
            done[node] = _fold(_apply_call, call, args, node, src)
    return done[tree.body]


def _read(text):
    """The whitelisted tree of ``text``, its source map and {name: first Name node}."""
    if not isinstance(text, str):
        raise ParseError(f"the expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the expression is {len(text)} characters long (limit {MAX_LENGTH})")
    _prescan(text)
    body = text.lstrip(" \t")
    if not body.strip():
        raise ParseError("empty expression")
    src = _Source(body, len(text) - len(body))
    try:
        tree = ast.parse(body, mode="eval")  # parses only: builds a tree, runs nothing
    except SyntaxError as e:
        offset, msg = (explain(body, e) if len(src.lines) == 1 else None) or (e.offset, e.msg)
        col = (offset or 1) + (src.indent if (e.lineno or 1) == 1 else 0)
        where = f"column {col}" if len(src.lines) == 1 else f"line {e.lineno}, column {col}"
        raise ParseError(f"{where}: syntax error: {msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"the expression cannot be parsed: {_one_line(str(e), 80)}") from None
    return tree, src, _check_tree(tree, src)


def names(text):
    """The variables' names in ``text``, in the order they first appear (checked
    against the whitelist as ``parse`` checks it)."""
    tree, src, found = _read(text)
    return sorted(found, key=lambda n: (found[n].lineno, found[n].col_offset))


def parse(text, **values):
    """Build the graph of ``text`` with a variable (labelled by its name) per value.

    Raises ``ParseError`` (a ``ValueError``) for anything outside the whitelist,
    and ``engine.DomainError`` when an operation is undefined at the given values
    (``log(x)`` at ``x=-1``); both messages are one line naming the place.
    """
    tree, src, found = _read(text)
    variables = _variables(found, values, src)
    if not variables:
        raise ParseError("the expression has no variables: use at least one name with a value")
    return _evaluate(tree, variables, src)
