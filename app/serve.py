"""Serve the explorer's page with Voila on this machine only: ``make app``.

    .venv/bin/python app/serve.py [--port 8866] [--theme light|dark]
                                  [--max-kernels N] [--cull-seconds S] [--idle-minutes M]

The page is ``app/explorer.ipynb`` (one cell: ``widgets.app.App()``), run by Voila
with its code hidden, on 127.0.0.1, with this folder's template ``explorer``: Voila's
lab template without the icon font it links from a CDN, so the page asks nothing of
any other machine. The server (``app/room.py``) answers only requests addressed to
127.0.0.1 or localhost on its port and from its own page, holds at most
``--max-kernels`` page views at once (one kernel each; one more gets "the room is
full"), and shuts down the kernel of a closed page after ``--cull-seconds`` and of
an untouched open one after ``--idle-minutes``. Prints the address to open, then
runs until Ctrl-C.
"""

import argparse
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
NOTEBOOK = HERE / "explorer.ipynb"
KERNEL_MB = 160  # one page view's kernel, measured with a little to spare


def default_max_kernels():
    """As many kernels as three quarters of the available memory holds, 2 to 40."""
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(line.split()[1]) for line in f if line.startswith("MemAvailable"))
    except (OSError, StopIteration, ValueError):
        return 10
    return max(2, min(40, int(0.75 * avail / 1024 / KERNEL_MB)))


def command(port, theme="light", python=sys.executable, **options):
    """The command line that serves the page on 127.0.0.1:port; ``options`` are
    max_kernels, cull_seconds and idle_minutes (see ``voila_argv``)."""
    cmd = [python, str(HERE / "serve.py"), f"--port={port}", f"--theme={theme}"]
    cmd += [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return cmd


def voila_argv(port, theme, cull_seconds):
    """Voila's own options: the page, 127.0.0.1, no retries on another port, no
    tracebacks in the page, and the kernel manager's culler for kernels with no page."""
    return [
        str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--template=explorer", f"--theme={theme}", "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={cull_seconds}",
        f"--MappingKernelManager.cull_interval={max(1, min(30, cull_seconds // 4))}",
        "--MappingKernelManager.cull_connected=False",
    ]  # fmt: skip


def environment(base=None):
    """Voila finds the template under app/ (JUPYTER_PATH) and the kernel imports the
    repository's packages (PYTHONPATH), installed or not."""
    env = dict(os.environ if base is None else base)
    if str(HERE) not in env.get("JUPYTER_PATH", "").split(os.pathsep):
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("JUPYTER_PATH")]))
    if str(REPO) not in env.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    return env


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--theme", choices=("light", "dark"), default="light")
    p.add_argument(
        "--max-kernels",
        type=int,
        default=default_max_kernels(),
        help="page views open at once (default: what the memory holds, 2 to 40)",
    )
    p.add_argument(
        "--cull-seconds",
        type=int,
        default=60,
        help="a closed page's kernel goes after this long (default 60)",
    )
    p.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        help="an open page untouched this long loses its kernel (default 30)",
    )
    args = p.parse_args(argv)
    if args.max_kernels < 1 or args.cull_seconds < 1 or args.idle_minutes <= 0:
        p.error("--max-kernels, --cull-seconds and --idle-minutes must be positive")
    os.environ.update(environment())  # before Voila reads its paths; kernels inherit it
    from room import RoomVoila

    RoomVoila.max_kernels = args.max_kernels
    RoomVoila.idle_minutes = args.idle_minutes
    print(
        f"The explorer's page: http://127.0.0.1:{args.port}/  (at most {args.max_kernels} "
        "open at once; Ctrl-C stops it)",
        flush=True,
    )
    RoomVoila.launch_instance(argv=voila_argv(args.port, args.theme, args.cull_seconds))


if __name__ == "__main__":
    main()
