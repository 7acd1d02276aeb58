"""Serve the explorer's page with Voila on this machine only: ``make app``.

    .venv/bin/python app/serve.py [--port 8866] [--theme light|dark]

The page is ``app/explorer.ipynb`` (one cell: ``widgets.app.App()``), run by Voila
with its code hidden, on 127.0.0.1, with this folder's template ``explorer``: Voila's
lab template without the icon font it links from a CDN, so the page asks nothing of
any other machine. Prints the address to open, then runs until Ctrl-C.
"""

import argparse
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
NOTEBOOK = HERE / "explorer.ipynb"


def command(port, theme="light", python=sys.executable):
    """The Voila command line for the page on 127.0.0.1:port."""
    return [
        python, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", "--template=explorer", f"--theme={theme}",
        "--Voila.port_retries=0", "--VoilaConfiguration.show_tracebacks=False",
    ]  # fmt: skip


def environment(base=None):
    """Voila finds the template under app/ (JUPYTER_PATH) and the kernel imports the
    repository's packages (PYTHONPATH), installed or not."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("JUPYTER_PATH")]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    return env


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--theme", choices=("light", "dark"), default="light")
    args = p.parse_args(argv)
    print(f"The explorer's page: http://127.0.0.1:{args.port}/  (Ctrl-C stops it)", flush=True)
    cmd = command(args.port, args.theme)
    os.execve(cmd[0], cmd, environment())


if __name__ == "__main__":
    main()
