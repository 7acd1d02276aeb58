"""The page under a class's load, on this machine only: memory and slider latency.

    .venv/bin/python tests/benchmarks/room_load.py [--views 30] [--open 10] [--idle 120] [--write]

Starts ``make app``'s server (``app/serve.py``, its default culling) on a free port of
127.0.0.1 and drives it with Debian's Chromium (Playwright):

1. one page view, ready (its verdicts shown): the memory of the server and its
   kernels with one page open: "one page";
2. ``--views`` page views in a row, each opened, ready, then left (a projector
   reloaded, a class arriving and leaving: as it unloads, the page asks the server to
   shut its kernel down; one that cannot, a crashed tab, is culled after a minute),
   then idle: the memory is sampled every 5 s for ``--idle`` seconds; it must come
   back within 20% of one page's;
3. ``--open`` pages open at once, each ready; then in each page in turn a slider
   is moved (the x1 handle, one arrow key) and the time until that page shows the
   new output is measured: each must answer in under a second.

Memory is the resident set (RSS) of the server and every process under it (the
kernels), not the browser's. Prints a Markdown table; ``--write`` puts it in
docs/page.md (between its ``room`` markers). Every request
goes to 127.0.0.1; the number of pages and the time are bounded by the flags.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(REPO, "tests", "e2e"), os.path.join(REPO, "app")]
from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402
from serve import command, environment  # noqa: E402

READY = ".ade-row-b .ade-verdict"  # the lecture's neuron, fully shown


def rss_mb(proc):
    """RSS of the server and everything under it, in MB."""
    try:
        p = psutil.Process(proc.pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def kernels(proc):
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    n = 0
    for k in kids:
        try:
            n += "ipykernel" in " ".join(k.cmdline())
        except psutil.NoSuchProcess:
            pass
    return n


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator(READY).wait_for()
    return page


def slider_latency(page):
    """Seconds from an arrow key on x1's slider to the page showing the new output."""
    old = page.locator(".ade-output-value").first.inner_text()
    handle = page.locator(".ade-slider-x1 .noUi-handle").first
    handle.focus()
    t0 = time.perf_counter()
    handle.press("ArrowRight")
    page.wait_for_function(
        "old => document.querySelector('.ade-output-value').textContent !== old",
        arg=old, polling="raf",
    )  # fmt: skip
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", type=int, default=30)
    ap.add_argument("--open", type=int, default=10)
    ap.add_argument("--idle", type=int, default=120, help="seconds of idle after the views")
    ap.add_argument("--write", action="store_true", help="put the table in docs/page.md")
    args = ap.parse_args()
    if not (1 <= args.views <= 60 and 1 <= args.open <= 20 and 10 <= args.idle <= 600):
        ap.error("bounded: --views 1-60, --open 1-20, --idle 10-600")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    tmp = tempfile.mkdtemp(prefix="room-")
    env = environment()
    env.update(JUPYTER_RUNTIME_DIR=os.path.join(tmp, "runtime"),
               JUPYTER_CONFIG_DIR=os.path.join(tmp, "config"))  # fmt: skip
    log = open(os.path.join(tmp, "voila.log"), "w")
    cmd = command(port, max_kernels=max(args.open, 12))
    server = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)  # fmt: skip
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            time.sleep(3)
            idle0 = rss_mb(server)
            page = open_page(browser, url)
            time.sleep(2)
            one = rss_mb(server)
            page.close()
            rows.append(("server alone, no page", f"{idle0:.0f} MB", ""))
            rows.append(("server + one page's kernel", f"{one:.0f} MB", "one page"))

            peak, t0 = 0.0, time.monotonic()
            for _ in range(args.views):
                page = open_page(browser, url)
                peak = max(peak, rss_mb(server))
                page.goto("about:blank")  # left, as a reload or a closed tab: it unloads
                page.close()
            took = time.monotonic() - t0
            rows.append((f"{args.views} page views in a row (opened, ready, left)",
                         f"peak {peak:.0f} MB, {kernels(server)} kernels at the end",
                         f"{took:.0f} s"))  # fmt: skip
            back, samples, t0 = None, [], time.monotonic()
            while time.monotonic() - t0 < args.idle:
                time.sleep(5)
                m, t = rss_mb(server), time.monotonic() - t0
                samples.append((t, m))
                if back is None and m <= 1.2 * one:
                    back = t
            last = samples[-1][1]
            verdict = "met" if back is not None and last <= 1.2 * one else "NOT MET"
            rows.append((f"then idle {args.idle} s", f"{last:.0f} MB ({last / one:.2f}x one page), "
                         f"{kernels(server)} kernels",
                         f"within 20% after {back:.0f} s: {verdict}" if back is not None
                         else f"never within 20%: {verdict}"))  # fmt: skip

            pages = [open_page(browser, url) for _ in range(args.open)]
            time.sleep(2)
            opened = rss_mb(server)
            lat = [slider_latency(pg) for pg in pages]
            verdict = "met" if max(lat) < 1.0 else "NOT MET"
            rows.append((f"{args.open} pages open at once", f"{opened:.0f} MB, "
                         f"{kernels(server)} kernels", ""))  # fmt: skip
            times = f"median {1000 * statistics.median(lat):.0f} ms, max {1000 * max(lat):.0f} ms"
            rows.append(("a slider move in each of them, until its page shows the new output",
                         times, f"each under 1 s: {verdict}"))  # fmt: skip
            for pg in pages:
                pg.close()
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
    table = "| load | memory / time | |\n|---|---|---|\n"
    table += "".join("| " + " | ".join(r) + " |\n" for r in rows)
    print(f"\n{os.cpu_count()} cores; server {url} (cull: app/serve.py's defaults)\n")
    print(table)
    if args.write:
        write_table(table)


def write_table(table):
    """Put the table between docs/page.md's room markers: no figure copied by hand."""
    path = os.path.join(REPO, "docs", "page.md")
    text = open(path, encoding="utf-8").read()
    head, rest = text.split("<!-- room -->\n", 1)
    _, tail = rest.split("<!-- /room -->", 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{head}<!-- room -->\n{table}<!-- /room -->{tail}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
