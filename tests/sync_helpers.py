"""A real central service on 127.0.0.1 for the sync tests, and kiosk configurations that point at it."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from sync.central_store import CentralStore
from sync.registry import load_registry
from sync.server import CentralService, stdlib_server
from tests.conftest import write_config

SECRET = "s3cret-for-tests-only-0123456789"
REPORT_TOKEN = "report-token-for-tests"


def write_registry(folder: Path, kiosks=(("test-01", "Trung tâm xã Thử nghiệm", SECRET),)) -> Path:
    path = folder / "kiosks.toml"
    path.write_text("".join(f'[[kiosks]]\nid = "{k}"\ncentre = "{c}"\nsecret = "{s}"\n\n' for k, c, s in kiosks),
                    encoding="utf-8")
    return path


@contextmanager
def central_service(folder: Path, clock=None, **kwargs):
    """Yield (base_url, app) for a real central service on an ephemeral loopback port."""
    app = CentralService(CentralStore(folder / "central.db"), load_registry(write_registry(folder)),
                         report_token=REPORT_TOKEN, **({"clock": clock} if clock else {}), **kwargs)
    httpd = stdlib_server(app)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", app
    finally:
        httpd.shutdown()
        httpd.server_close()


def sync_config(folder: Path, url: str, secret: str = SECRET, batch_size: int = 500, timeout_s: float = 5) -> Path:
    """A kiosk config whose [sync] points at ``url``."""
    return write_config(folder, extra=f'\n[sync]\nurl = "{url}"\nsecret = "{secret}"\nbatch_size = {batch_size}\n'
                                      f'timeout_s = {timeout_s}\n')
