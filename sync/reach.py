"""Can this kiosk reach its central service now? (``doctor``'s sync check.)"""

from __future__ import annotations

import requests

REACH_TIMEOUT_S = 5.0


def reachable(config) -> tuple[bool, str]:
    """GET ``<[sync] url>/healthz`` (no signature needed): True and what it said, or False and why not."""
    url = config.sync.url.rstrip("/") + "/healthz"
    try:
        response = requests.get(url, timeout=REACH_TIMEOUT_S)
    except requests.RequestException as e:
        return False, f"không kết nối được {url}: {type(e).__name__}"
    if response.status_code == 200:
        return True, f"máy chủ {config.sync.url} trả lời (HTTP 200) / the service answers"
    return False, f"máy chủ {url} trả lời HTTP {response.status_code}"
