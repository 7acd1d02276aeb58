"""The floors of docs/architecture.md: imports point down, widgets -> explorer -> engine,
and the engine stays free of drawing and notebook libraries."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "engine": {"explorer", "widgets", "graphviz", "ipywidgets", "matplotlib", "IPython"},
    "explorer": {"widgets", "ipywidgets"},
    "widgets": set(),
}


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("floor", sorted(FORBIDDEN))
def test_imports_point_down(floor):
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / floor).rglob("*.py"))
        for name, line in _imports(path)
        if name in FORBIDDEN[floor]
    ]
    assert not bad, "\n".join(bad)
