"""Serving the application with waitress: for ``python main.py serve`` and for the tests.

Production puts gunicorn (or this) behind nginx (docs/central.md); waitress alone is a pilot's
server. Its limits are set, not left at the defaults that let 100 idle connections lock kiosks out.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import create_server

SERVER_OPTIONS = {
    "threads": 8,
    "connection_limit": 2000,      # idle sockets cost little with poll(); the proxy in front bounds them anyway
    "channel_timeout": 30,         # an idle or trickling connection is closed after 30 s without progress
    "cleanup_interval": 5,
    "asyncore_use_poll": True,     # select() stops at 1,024 descriptors
    "max_request_body_size": 64 * 1024 * 1024,   # the app answers 413 above 8 MiB, after reading
    "backlog": 2048,
    "ident": "central",
    # Behind nginx on this machine (docs/central.md) every request comes from 127.0.0.1: believe the
    # proxy's X-Forwarded-For/-Proto from there only, so the login throttle and the phone page's rate
    # limit see each citizen's address; from anywhere else those headers are dropped.
    "trusted_proxy": "127.0.0.1",
    "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
    "clear_untrusted_proxy_headers": True,
}


class _Parser(HTTPRequestParser):
    """waitress's parser, but a Content-Length past Python's 4,300-digit int() limit is a 400 like any
    other malformed length (waitress itself drops the connection without an answer)."""

    def parse_header(self, header_plus):
        """Parse the head; a ValueError from it becomes a 400."""
        try:
            return super().parse_header(header_plus)
        except ValueError:
            raise ParsingError("Content-Length is invalid") from None


class _Channel(HTTPChannel):
    parser_class = _Parser


def create(app, host: str = "127.0.0.1", port: int = 0, **options):
    """A waitress server for ``app`` (not yet running); ``port=0`` picks a free port."""
    server = create_server(app, host=host, port=port, **{**SERVER_OPTIONS, **options})
    server.channel_class = _Channel
    return server


@contextmanager
def serving(app, host: str = "127.0.0.1", port: int = 0, **options):
    """Run ``app`` in a background thread; yield its base URL; stop it afterwards."""
    server = create(app, host, port, **options)
    thread = threading.Thread(target=server.run, daemon=True, name="waitress")
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown(timeout=5)   # let worker threads finish before the sockets go
        server.close()
        thread.join(timeout=10)
