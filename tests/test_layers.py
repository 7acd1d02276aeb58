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


def test_architecture_lists_every_engine_file_once():
    """docs/architecture.md's "file by file" table names each engine/*.py, and only
    those: a file added or removed without a line for the reader fails here."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text.split("<!-- engine files -->")[1].split("<!-- /engine files -->")[0]
    listed = []
    for row in table.splitlines():
        if row.startswith("| `"):
            listed += [name.strip(" `") for name in row.split("|")[1].split(",")]
    files = sorted(p.name for p in (ROOT / "engine").glob("*.py"))
    assert sorted(listed) == files
