"""``nara serve``: uvicorn, and with several workers a listening socket of its own per
worker (``SO_REUSEPORT``), so the kernel spreads new connections evenly over the workers.

With one shared socket (uvicorn's own ``--workers``) whichever worker accepts first takes
the connection, and keep-alive clients stay where they landed: a load test saw 16
connections on one worker and none on the other. Sockets of their own in one reuse-port
group are balanced by the kernel on a hash of each connection. uvicorn's supervisor still
starts, watches, restarts and stops the workers; only the socket each one gets differs.
Where the kernel does not balance reuse-port groups (other than Linux) uvicorn's shared
socket is used.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

APP = "nara.web.asgi:app"
BACKLOG = 2048


def balances_connections() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket in the reuse-port group of ``host:port``, listening. Raises OSError when
    the address is taken by something outside the group (or cannot be bound)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class BalancedWorkers(Multiprocess):
    """uvicorn's supervisor, handing every worker it starts (at start-up, after a crash,
    on SIGHUP or SIGTTIN) a socket of its own; the parent closes its copy once the
    worker has it, so no connection waits on a socket nobody accepts from."""

    def __init__(self, config: uvicorn.Config) -> None:
        self._handed: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        sock = listening_socket(self.config.host, self.config.port)
        self._handed.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        """Set by uvicorn's constructor; every worker gets a new socket instead."""

    def _close_handed(self) -> None:
        while self._handed:
            self._handed.pop().close()

    def init_processes(self) -> None:
        super().init_processes()
        self._close_handed()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        self._close_handed()

    def restart_all(self) -> None:
        super().restart_all()
        self._close_handed()

    def handle_ttin(self) -> None:
        super().handle_ttin()
        self._close_handed()


def serve(*, host: str, port: int, workers: int) -> None:
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        # The app itself resolves X-Forwarded-For/Proto from NARA_FORWARDED_ALLOW_IPS
        # (web/app.py), whatever server runs it; uvicorn must not do it a second time.
        "proxy_headers": False,
        "log_config": None,
        "backlog": BACKLOG,
    }
    check_free(host, port)
    if workers == 1 or not balances_connections():
        uvicorn.run(APP, **options)
        return
    BalancedWorkers(uvicorn.Config(APP, **options)).run()


def check_free(host: str, port: int) -> None:
    """Raise OSError, before any worker starts, when ``host:port`` is taken (by another
    Nära too: this socket joins no reuse-port group)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
