"""Looking at a graph: draw it, check backprop node by node, read its formulas, parse text."""

from explorer.bugs import BUGS, inject_bug
from explorer.checking import check
from explorer.parsing import ParseError, parse
from explorer.report import AGREE, CheckReport, CheckRow, verdict

__all__ = [
    "AGREE",
    "BUGS",
    "CheckReport",
    "CheckRow",
    "ParseError",
    "check",
    "inject_bug",
    "parse",
    "verdict",
]
