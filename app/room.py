"""The page's server: Voila that answers only itself and holds a room of students.

Voila starts a Python kernel (about 140 MB) for every page view. Two things
follow for a page served to a class from one machine:

- **It answers only itself.** A request whose ``Host`` is not the address served
  (``127.0.0.1:PORT`` or ``localhost:PORT``) is refused with 403 before any handler
  runs, so no kernel starts for it: another web site a student visits cannot reach
  the page by DNS rebinding (its name resolving to 127.0.0.1 sends its own Host).
  A request, websocket included, that carries an ``Origin`` other than the page's
  own is refused the same way: another site cannot type into the page or read it.
- **The room has a size.** At most ``max_kernels`` kernels run at once; one more
  page view gets a short page saying the room is full (503), not a kernel. A tab
  closed or reloaded shuts its kernel down at once (``Page``). Kernels are also
  culled: one with no page connected (a tab that crashed) goes after
  ``cull_seconds`` without activity (Jupyter's kernel manager culler), one whose
  page is open but untouched for ``idle_minutes`` goes too (an abandoned tab); the
  page then says its session ended and offers a reload (the template
  ``voila/templates/explorer`` asks the server about its kernel).

Everything is checked in ``Room.find_handler``, before Tornado picks a handler.
"""

import html
import time

import tornado.web
from tornado.ioloop import PeriodicCallback
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

FULL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>The room is full</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;
color:#1a1a1a;background:#fff}}@media (prefers-color-scheme:dark){{body{{color:#eee;
background:#111}}}}</style></head><body>
<h1>The room is full</h1>
<p>{count} students already have the explorer open on this machine, as many as it holds.</p>
<p>Try again in a minute: a page closed or left idle frees its place.</p></body></html>"""


class Refused(tornado.web.RequestHandler):
    """A one-line plain-text refusal, before any kernel exists."""

    def initialize(self, status, message, body=None):
        self.status, self.message, self.body = status, message, body

    def prepare(self):
        self.set_status(self.status)
        if self.body is None:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(self.message + "\n")
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Retry-After", "60")
            self.finish(self.body)


class Page(TornadoVoilaHandler):
    """Voila's page, which also sets the ``_xsrf`` cookie. When its tab closes, the
    page asks the server to shut its kernel down (a POST carrying that cookie's
    token); Voila's own page never sets the cookie, so the server refused the POST
    and a closed tab's kernel lived on until the culler came for it."""

    async def get(self, path=None):
        self.xsrf_token  # noqa: B018 (reading it sets the cookie, before the page streams)
        return await super().get(path)


class Room(tornado.web.Application):
    """Voila's Tornado application with the checks of the module docstring."""

    def __init__(self, *args, port, max_kernels, **settings):
        super().__init__(*args, **settings)
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.max_kernels = max_kernels

    def refusal(self, request):
        """Why ``request`` is refused (status, message), or None."""
        host = request.headers.get("Host", "").lower()
        if host not in self.hosts:
            return 403, f"refused: this page answers only {' or '.join(sorted(self.hosts))}"
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in self.origins:
            return 403, "refused: a request from another site's page"
        return None

    def find_handler(self, request, **kwargs):
        refused = self.refusal(request)
        if refused:
            status, message = refused
            return self.get_handler_delegate(
                request, Refused, {"status": status, "message": message}
            )
        delegate = super().find_handler(request, **kwargs)
        if getattr(delegate, "handler_class", None) is TornadoVoilaHandler:
            count = len(self.settings["kernel_manager"].list_kernel_ids())
            if count >= self.max_kernels:
                body = FULL_PAGE.format(count=html.escape(str(count)))
                return self.get_handler_delegate(
                    request, Refused, {"status": 503, "message": "full", "body": body}
                )
            return self.get_handler_delegate(
                request, Page, delegate.handler_kwargs, delegate.path_args, delegate.path_kwargs
            )
        return delegate


class RoomVoila(Voila):
    """Voila serving ``Room`` instead of a bare Tornado application."""

    max_kernels = 30
    idle_minutes = 30.0

    def start(self):
        # Voila.start, with Room in place of tornado.web.Application
        import tempfile

        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        settings = self.init_settings()
        self.app = Room(port=self.port, max_kernels=self.max_kernels, **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        every = min(30.0, max(1.0, 60 * self.idle_minutes / 4))  # s: a quarter of the limit
        self._idle = PeriodicCallback(self.cull_open_idle, 1000 * every)
        self._idle.start()
        self.listen()

    async def cull_open_idle(self):
        """Shut down kernels whose page is open but untouched for idle_minutes (the
        kernel manager's culler spares kernels with a connection)."""
        km = self.kernel_manager
        now = time.time()
        for kid in list(km.list_kernel_ids()):
            kernel = km.get_kernel(kid)
            last = getattr(kernel, "last_activity", None)
            if last is None or now - last.timestamp() < 60 * self.idle_minutes:
                continue
            self.log.info("culling kernel %s: its page was idle %.0f min", kid, self.idle_minutes)
            await km.shutdown_kernel(kid)
