"""Every notebook runs top to bottom in a fresh kernel, and is committed clean.

The notebooks are executed with nbclient in kernels started from this very
interpreter (``sys.executable -m ipykernel_launcher``), never from a kernelspec
found on the machine, so they run against the virtualenv under test. Two run at
a time (the CI machines have two cores), each under its own time limit; a cell
that raises, including a failed ``assert`` on a chapter's numbers, fails its
notebook's test with the cell's traceback.
"""

import asyncio
import concurrent.futures
import importlib.util
import pathlib
import sys
import time

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WORKERS = 2
NOTEBOOK_TIMEOUT = 120  # s for one notebook, kernel start included
CELL_TIMEOUT = 90  # s for one cell
TOTAL_BUDGET = 180  # s for all of them together (the limit)


class _ThisPython(KernelSpecManager):
    """The only kernel there is: ipykernel in the interpreter running the tests."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (tests)",
            language="python",
        )


class _Kernel(AsyncKernelManager):
    def _kernel_spec_manager_default(self):
        return _ThisPython()


def _run(coro):
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests)
    leaves an event loop running in the main thread, where asyncio.run refuses."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _execute(nb):
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=_Kernel,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    await asyncio.wait_for(client.async_execute(), NOTEBOOK_TIMEOUT)
    return nb


async def _run_all(paths):
    """{name: (seconds, None or the error)}, WORKERS notebooks at a time."""
    gate = asyncio.Semaphore(WORKERS)
    results = {}

    async def one(path):
        async with gate:
            start = time.monotonic()
            try:
                await _execute(nbformat.read(path, as_version=4))
                error = None
            except (CellExecutionError, TimeoutError, asyncio.TimeoutError) as e:
                error = e if str(e) else f"over {NOTEBOOK_TIMEOUT} s"
            results[path.name] = (time.monotonic() - start, error)

    await asyncio.gather(*(one(p) for p in paths))
    return results


@pytest.fixture(scope="module")
def runs(request):
    """The selected notebooks (all of them when the time budget is checked), each
    executed once, in parallel; and the wall time of the whole run."""
    items = request.session.items
    if any(item.originalname == "test_all_notebooks_run_within_budget" for item in items):
        paths = PATHS
    else:
        paths = [
            item.callspec.params["path"]
            for item in items
            if item.originalname == "test_notebook_runs"
        ]
    start = time.monotonic()
    results = _run(_run_all(paths))
    return results, time.monotonic() - start


def test_there_is_a_notebook_per_chapter():
    names = [p.name for p in PATHS]
    assert names[0] == "00_tour.ipynb"
    numbers = [int(n[:2]) for n in names]
    assert numbers == list(range(len(names))), f"notebooks not numbered 00, 01, ...: {names}"
    assert len(names) >= 16


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(runs, path):
    results, _ = runs
    seconds, error = results[path.name]
    if error is not None:
        pytest.fail(f"{path.name} failed after {seconds:.1f} s:\n{error}", pytrace=False)


def test_all_notebooks_run_within_budget(runs):
    results, wall = runs
    times = ", ".join(f"{n[:2]} {s:.1f}s" for n, (s, _) in sorted(results.items()))
    assert wall < TOTAL_BUDGET, f"the notebooks took {wall:.0f} s ({times})"


def test_the_kernel_is_this_interpreter():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    _run(_execute(nb))
    (out,) = nb.cells[0].outputs
    assert out["text"].strip() == sys.executable


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


def test_notebooks_match_their_sources():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sources = sorted(p.stem for p in build.SRC.glob("[0-9][0-9]_*.py"))
    assert sources == [p.stem for p in PATHS], "a notebook without a source, or the reverse"
    stale = build.build(check=True)
    assert not stale, f"edit notebooks/src/, then run notebooks/build.py: stale {stale}"
