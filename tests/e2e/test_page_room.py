"""The page's server (``make app``) answers only itself and holds a room.

A foreign Host (DNS rebinding: another site's name resolving to 127.0.0.1) and a
foreign Origin (another site's page) are refused, websocket included, and no kernel
starts for them; at most ``--max-kernels`` page views run at once, one more gets
"the room is full"; the kernels of closed pages are shut down (culled). Everything
here talks to 127.0.0.1 only, with a few requests, each under a timeout.
"""

import asyncio
import re
import threading
import time
import urllib.error
import urllib.request

import psutil
import pytest
from test_app_browser import Voila
from tornado import httpclient, websocket

pytestmark = pytest.mark.browser


def kernels(server):
    """The server's kernel processes (children running ipykernel)."""
    try:
        children = psutil.Process(server.proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for c in children:
        try:
            if "ipykernel" in " ".join(c.cmdline()):
                out.append(c)
        except psutil.NoSuchProcess:
            pass
    return out


def get(server, path="", **headers):
    """(status, body) of a GET to the server with these headers."""
    req = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def websocket_status(url, **headers):
    """101 if the websocket opened, else the HTTP status the server refused it with."""

    async def attempt():
        req = httpclient.HTTPRequest(url, headers=headers, request_timeout=20)
        try:
            conn = await websocket.websocket_connect(req)
        except httpclient.HTTPClientError as e:
            return e.code
        conn.close()
        return 101

    # a thread of its own: Playwright's sync API keeps an event loop in this one
    out = []
    worker = threading.Thread(target=lambda: out.append(asyncio.run(attempt())))
    worker.start()
    worker.join(40)
    return out[0] if out else None


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def test_foreign_host_and_origin_refused_and_the_room_has_a_size(tmp_path):
    server = Voila(str(tmp_path), max_kernels=2, cull_seconds=4)
    port = server.port
    try:
        # DNS rebinding: another name for 127.0.0.1, with its own Origin
        evil = {"Host": f"evil.example.com:{port}", "Origin": f"http://evil.example.com:{port}"}
        assert get(server, **evil)[0] == 403
        assert get(server, Host=f"evil.example.com:{port}")[0] == 403
        assert get(server, Host="127.0.0.1:1")[0] == 403  # right name, wrong port
        status, body = get(server, Origin="http://evil.example.com")
        assert status == 403 and "another site" in body
        time.sleep(1.0)
        assert kernels(server) == [], "a refused request started a kernel"

        # the page itself: one kernel; its websocket opens from the page's own origin only
        status, page = get(server)
        assert status == 200
        kid = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page).group(1)
        channels = f"ws://127.0.0.1:{port}/api/kernels/{kid}/channels"
        own = f"http://127.0.0.1:{port}"
        assert websocket_status(channels, Origin="http://evil.example.com") == 403
        assert websocket_status(channels, Origin=own, Host=f"evil.example.com:{port}") == 403
        assert websocket_status(channels, Origin=own) == 101
        assert len(kernels(server)) == 1

        # the room holds two: the third page view is told so, and starts nothing
        assert get(server, Host=f"localhost:{port}")[0] == 200
        status, body = get(server)
        assert status == 503 and "The room is full" in body
        assert len(kernels(server)) == 2

        # no page is connected: both kernels are culled, and the room opens again
        assert wait_for(lambda: not kernels(server), 40), "kernels outlived their pages"
        assert get(server)[0] == 200
    finally:
        server.stop()


def test_kernels_of_closed_pages_are_shut_down(tmp_path, browser):
    """Three pages open in Chromium: three kernels; the pages closed, none left."""
    server = Voila(str(tmp_path), cull_seconds=4)
    pages = []
    try:
        for _ in range(3):
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.set_default_timeout(90_000)
            page.goto(server.url)
            page.locator(".ade-expression input").wait_for()
            pages.append(page)
        assert len(kernels(server)) == 3
        time.sleep(8)  # open pages keep their kernels past the cull time
        assert len(kernels(server)) == 3
        for page in pages:
            page.close()
        assert wait_for(lambda: not kernels(server), 40), "kernels outlived their pages"
    finally:
        for page in pages:
            if not page.is_closed():
                page.close()
        server.stop()


def test_an_open_page_left_idle_frees_its_kernel_and_says_so(tmp_path, browser):
    """A tab left open and untouched past --idle-minutes (0.1 here: 6 s) loses its
    kernel though its page is still connected, and the page says so with a Reload
    button, which brings a working page (and a new kernel) back."""
    server = Voila(str(tmp_path), idle_minutes=0.1, cull_seconds=60)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.set_default_timeout(90_000)
    try:
        page.goto(server.url)
        page.locator(".ade-expression input").wait_for()
        assert len(kernels(server)) == 1
        notice = page.locator("#ade-session-ended")
        assert notice.count() == 0 or not notice.is_visible()
        assert wait_for(lambda: not kernels(server), 40), "an idle page kept its kernel"
        notice.wait_for(state="visible", timeout=40_000)  # the page asks every 15 s
        assert "session has ended" in notice.inner_text()
        notice.get_by_role("button", name="Reload").click()
        page.locator(".ade-expression input").wait_for()
        assert len(kernels(server)) == 1
        assert not notice.is_visible()
        box = page.locator(".ade-expression input")
        box.fill("x*y")
        box.press("Enter")
        page.locator(".ade-row-y .ade-verdict").wait_for()
    finally:
        page.close()
        server.stop()


def test_leaving_the_page_frees_its_kernel_at_once(tmp_path, browser):
    """A page reloaded (a projector refreshed) or left for another asks the server,
    as it unloads, to shut its kernel down: gone in seconds, long before the
    culler's minute (set to 10 minutes here, so it cannot be what freed it)."""
    server = Voila(str(tmp_path), cull_seconds=600)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.set_default_timeout(90_000)
    try:
        page.goto(server.url)
        page.locator(".ade-expression input").wait_for()
        (first,) = kernels(server)
        page.reload()
        page.locator(".ade-expression input").wait_for()
        assert wait_for(lambda: [k.pid for k in kernels(server)] not in ([], [first.pid]), 20)
        assert len(kernels(server)) == 1, "a reloaded page kept its old kernel"
        page.goto("about:blank")
        assert wait_for(lambda: not kernels(server), 20), "a page left kept its kernel"
    finally:
        page.close()
        server.stop()
