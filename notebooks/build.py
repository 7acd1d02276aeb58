"""Write notebooks/NN_name.ipynb from notebooks/src/NN_name.py, the source of truth.

A source is an IPython file in the "percent" format (as jupytext writes it): a line
``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines are
comments (``# `` is stripped). Everything before the first marker is ignored.

``# %% [check]`` starts a self-check: a code cell that runs where it stands (so it
checks the numbers the reader has just seen, before later cells change them) with
its source collapsed by metadata JupyterLab honours (``jupyter.source_hidden``)
and the tag ``check``: the reading shows a thin bar, a click shows the asserts,
and CI runs them with every other cell.

The notebooks are written with no outputs, no execution counts and cell ids
numbered in order, so building twice gives the same bytes and a diff of a
notebook shows only what changed in its source. Edit the source, then run

    .venv/bin/python notebooks/build.py          # rewrite every notebook
    .venv/bin/python notebooks/build.py --check  # exit 1 if any is out of date
"""

import pathlib
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SRC = HERE / "src"
CHECK_LINE = "# self-check of the numbers above (CI runs it; the reading can skip it)"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def cells_of(text):
    """[(kind, source)] from a percent-format file's text."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is not None:
            body = "\n".join(lines).strip("\n")
            if body:
                cells.append((kind, body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind = "markdown" if "[markdown]" in line else "check" if "[check]" in line else "code"
            lines = []
        elif kind == "markdown":
            if line and not line.startswith("#"):
                raise ValueError(f"a markdown cell's line must be a comment: {line!r}")
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        elif kind in ("code", "check"):
            lines.append(line)
    flush()
    return cells


def notebook(src):
    """The notebook of one source file, as nbformat's node."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, (kind, body) in enumerate(cells_of(src.read_text())):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        if kind == "check":  # the first line is what the folded cell shows
            body = f"{CHECK_LINE}\n{body}"
        cell = make(body)
        if kind == "check":
            cell.metadata = {"jupyter": {"source_hidden": True}, "tags": ["check"]}
        cell.id = f"{src.stem[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def text_of(nb):
    return nbformat.writes(nb) + "\n"


def build(check=False):
    """Write (or, with check, compare) every notebook; returns the stale ones' names."""
    stale = []
    for src in sorted(SRC.glob("[0-9][0-9]_*.py")):
        target = HERE / f"{src.stem}.ipynb"
        text = text_of(notebook(src))
        if not target.exists() or target.read_text() != text:
            stale.append(target.name)
            if not check:
                target.write_text(text)
    return stale


if __name__ == "__main__":
    check = "--check" in sys.argv[1:]
    stale = build(check)
    if check and stale:
        print(f"out of date (run notebooks/build.py): {', '.join(stale)}")
        sys.exit(1)
    for name in stale:
        print(f"wrote notebooks/{name}")
