"""What a typed expression that Python cannot parse is missing, in words.

Python's own message for most slips is "invalid syntax" at the start of the text.
A student typing an expression makes a few slips over and over; each gets a
sentence saying what was expected there, at its column:

- an operator with nothing after it: ``x**`` -> "the power has no exponent";
- two things side by side: ``2x``, ``x y``, ``(x)(y)`` -> "an operator is missing";
- an operator where a value should be: ``x*/y``, ``*x``;
- an equation: ``y = x**2`` -> type only the expression;
- brackets: ``sin(x`` -> "'(' was never closed: a ')' is expected", ``()``.

``explain(body, error)`` reads Python's tokens (never runs anything) and returns
(column, sentence), or None to keep Python's message.
"""

import io
import tokenize

_MISSING = {
    "**": "the power has no exponent",
    "*": "the product has no second factor",
    "/": "the quotient has no divisor",
    "+": "the sum has no second term",
    "-": "the difference has no second term",
}
_SKIP = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT,
         tokenize.COMMENT}  # fmt: skip


def _tokens(body):
    """(text, 1-based column, kind) of each token on line 1, up to a tokenizer error."""
    out = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(body).readline):
            if t.type in _SKIP:
                continue
            if t.start[0] != 1:  # several lines: Python's message, with its line, is kept
                return None
            kind = "value" if t.type in (tokenize.NAME, tokenize.NUMBER) else t.string
            out.append((t.string, t.start[1] + 1, kind))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def _ends_value(tok):
    return tok[2] in ("value", ")")


def _starts_value(tok):
    return tok[2] in ("value", "(")


def explain(body, error):
    """(column in ``body``, sentence) for a SyntaxError in one line of typed text."""
    msg = error.msg or ""
    if "was never closed" in msg:
        return error.offset or 1, f"{msg}: a ')' is expected before the end"
    found = _scan(body)
    if found is None and "unmatched" in msg:
        return error.offset or 1, f"{msg}: no '(' opens it"
    return found


def _scan(body):
    toks = _tokens(body)
    if not toks:
        return None
    end = len(body.rstrip()) + 1
    for tok in toks:
        if tok[0] == "=" or tok[0] in ("==", "<", ">", "<=", ">=", "!="):
            what = "an equation" if tok[0] == "=" else "a comparison"
            return tok[1], f"'{tok[0]}' makes {what}: type only the expression, e.g. x**2 + 1"
    first = toks[0]
    if first[0] in ("*", "**", "/"):
        return first[1], f"the expression starts with '{first[0]}': a value is expected before it"
    for a, b in zip(toks, toks[1:] + [("", end, "end")]):
        if a[0] in _MISSING and b[2] in (")", ",", "end"):
            return b[1], _MISSING[a[0]]
        if a[0] in _MISSING and b[0] in ("*", "**", "/"):
            return b[1], f"'{b[0]}' right after '{a[0]}': a value is expected between them"
        if a[0] == "(" and b[0] == ")":
            return b[1], "empty parentheses: a value is expected inside"
        if _ends_value(a) and _starts_value(b) and not (a[2] == "value" and b[0] == "("):
            return b[1], (
                f"an operator is missing between {a[0]!r} and {b[0]!r} "
                f"(for a product write {a[0]}*{b[0]})"
            )
        if a[2] == "value" and a[0][:1].isdigit() and b[0] == "(":
            return b[1], f"an operator is missing after {a[0]} (for a product write {a[0]}*(...))"
    return None
