"""A real JupyterLab driven by a real Chromium: the harness for the browser tests.

``lab`` (a fixture) starts ``jupyter lab`` on a temporary folder with its own
settings, workspaces and runtime directories, and stops it by its own PID when the
test ends. ``lab.notebook(name, cells)`` writes a notebook there;
``lab.open(name)`` opens it in Chromium (Playwright, Debian's /usr/bin/chromium),
waits until its kernel is connected and idle, and returns the page;
``lab.run_all(page)`` runs every cell and waits for the kernel to be idle again.

The recipe, and why each step is there:
- the news pop-up is switched off in the settings, or it covers the notebook;
- the kernel is ready only when the status bar reads "Idle" AND the server lists
  a connection to it: the notebook's own indicator reads idle before any kernel
  exists;
- the page is opened with ``?reset`` so no saved workspace layout interferes.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import nbformat
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT = 60  # s for the server to answer /api/status
KERNEL_TIMEOUT = 60_000  # ms for a kernel to connect, or all cells to run


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, root, browser):
        self.root, self.browser = root, browser
        self.port, self.token = _free_port(), uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = os.path.join(root, "jupyter.log")

    # -- the server ----------------------------------------------------------
    def start(self):
        home = os.path.join(self.root, ".lab")
        env = dict(os.environ)
        env.update(
            JUPYTERLAB_SETTINGS_DIR=os.path.join(home, "settings"),
            JUPYTERLAB_WORKSPACES_DIR=os.path.join(home, "workspaces"),
            JUPYTER_RUNTIME_DIR=os.path.join(home, "runtime"),
            JUPYTER_CONFIG_DIR=os.path.join(home, "config"),
            PYTHONPATH=REPO + os.pathsep + env.get("PYTHONPATH", ""),
            MPLBACKEND="Agg",
        )
        news = os.path.join(env["JUPYTERLAB_SETTINGS_DIR"], "@jupyterlab", "apputils-extension")
        os.makedirs(news, exist_ok=True)
        with open(os.path.join(news, "notification.jupyterlab-settings"), "w") as f:
            json.dump({"fetchNews": "false", "checkForUpdates": False}, f)
        # No build check: it only asks whether to rebuild JupyterLab, and costs seconds.
        # window.jupyterapp: a test switches the theme through the app's commands.
        labconfig = os.path.join(env["JUPYTER_CONFIG_DIR"], "labconfig")
        os.makedirs(labconfig, exist_ok=True)
        with open(os.path.join(labconfig, "page_config.json"), "w") as f:
            json.dump({"buildCheck": False, "buildAvailable": False, "exposeAppInBrowser": True}, f)
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
            f"--IdentityProvider.token={self.token}", "--ip=127.0.0.1", "--allow-root",
            f"--ServerApp.root_dir={self.root}", "--ServerApp.port_retries=0",
        ]  # fmt: skip
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the kernels go with it
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"jupyter lab did not answer in {START_TIMEOUT} s:\n{self.tail()}")

    def stop(self):
        """Stop the server by its PID (and its process group: the kernels it started)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def tail(self, n=30):
        with open(self.log) as f:
            return "".join(f.readlines()[-n:])

    def api(self, path):
        req = urllib.request.Request(
            f"{self.url}/api/{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    # -- notebooks -----------------------------------------------------------
    def notebook(self, name, cells):
        """Write a notebook of code cells (strings) into the server's folder."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python",
        }  # fmt: skip
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nbformat.write(nb, os.path.join(self.root, name))
        return name

    def open(self, name, width=1300, height=1500):
        """The notebook open in a new page, its kernel connected and idle."""
        page = self.browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(KERNEL_TIMEOUT)
        page.goto(f"{self.url}/lab/tree/{name}?reset&token={self.token}")
        page.locator(".jp-Notebook").first.wait_for()
        self.wait_idle(page)
        return page

    def wait_idle(self, page):
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
        deadline = time.monotonic() + KERNEL_TIMEOUT / 1000
        while time.monotonic() < deadline:
            if any(k.get("connections", 0) >= 1 for k in self.api("kernels")):
                return
            time.sleep(0.1)
        raise TimeoutError("no kernel connected to the notebook")

    def run_all(self, page):
        """Run every cell, wait until each shows its execution count and the kernel is
        idle, and fail with the text of any traceback or stderr output."""
        page.locator("li.lm-MenuBar-item:has-text('Run')").click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        page.wait_for_function(
            """() => {
                // a folded cell's placeholder has a prompt of its own that stays empty
                const p = [...document.querySelectorAll(
                    '.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                    .filter(e => !e.closest('.jp-Placeholder'));
                return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent));
            }"""
        )
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        if errors.count():
            raise AssertionError("a cell failed:\n" + "\n".join(errors.all_inner_texts()))


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory, browser):
    """One server for the session (it takes seconds to start); each test opens its own
    notebook, so its own kernel."""
    if shutil.which("dot") is None:
        pytest.fail("graphviz's dot is missing: apt-get install graphviz (make test does)")
    server = Lab(str(tmp_path_factory.mktemp("lab")), browser)
    try:
        server.start()
        yield server
    finally:
        server.stop()
