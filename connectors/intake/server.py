"""The intake server (SPEC 9-11): one small ASGI app for Segment's Tracking API, the tracking links
of emails and the providers' callbacks, served by uvicorn. `serve`, `run --serve` and the designer
all start it through IntakeServer, which runs it on a thread of its own."""
from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette

from switchback.connectors.intake import DEFAULT_HOST, DEFAULT_PORT
from switchback.connectors.intake.engagement import engagement_routes
from switchback.connectors.intake.hooks import hook_routes
from switchback.connectors.intake.tracking_api import tracking_api_routes
from switchback.runtime.problems import InputError
from switchback.runtime.store.workspace import Store


def build_app(store: Store) -> Starlette:
    return Starlette(routes=[*tracking_api_routes(store), *engagement_routes(store), *hook_routes(store)])


class IntakeServer:
    """The app under uvicorn on a background thread. The socket is bound in `start()`, so an address
    already in use is an InputError there, not a thread that quietly died."""

    def __init__(self, store: Store, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.store, self.host, self.port = store, host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        """Returns once the server is listening (port 0 takes a free port; `port` then says which)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP named: asyncio turns Nagle off only on sockets that say they are TCP, and a
        # response's head and body then went out 40 ms apart (the peer's delayed ACK).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError as e:
            sock.close()
            raise InputError(f"{self.host}:{self.port}", f"cannot listen there ({e.strerror or e})") from None
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(build_app(self.store), log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=5)
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="intake-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise InputError(self.url, "the intake server did not start")
            time.sleep(0.01)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Blocks until the server stops (a signal, or `stop()` from another thread)."""
        while self.running:
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None
