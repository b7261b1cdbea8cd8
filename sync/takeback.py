"""Asking the central service for this kiosk's own rows (``GET /v1/kiosks/<id>/chain``), page by page.

The request is signed as a batch is (:mod:`rating.signing`: the path with its query string, the
empty body); each page is checked by the wire contract's own checks (:func:`rating.wire.parse_chain_page`)
before the restore (:mod:`kiosk.restore`) sees a row. Every failure is one
:class:`kiosk.restore.ServiceUnavailable` saying what went wrong: the restore then refuses, or (from a
backup) goes on locally and says the reconciliation is pending.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterator
from urllib.parse import urlsplit

import requests

from kiosk import outbox
from kiosk.config import Config
from kiosk.restore import ServiceUnavailable
from kiosk.store import VoteStore
from rating import signing, wire
from rating.problems import Problem

log = logging.getLogger("kiosk.sync")

ATTEMPTS = 3          # per page: a network error or a 5xx is tried again, twice
PROBE_TIMEOUT_S = 3.0  # the start-up question: short, a kiosk must start without the service


class ChainFetcher:
    """Fetches this kiosk's rows from the service; ``fetch(part)`` yields the checked pages of one part."""

    def __init__(self, config: Config, store: VoteStore | None = None, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, timeout_s: float | None = None, attempts: int = ATTEMPTS,
                 page_size: int = wire.MAX_CHAIN_PAGE, sleep: Callable[[float], None] = time.sleep):
        if config.sync is None:
            raise ServiceUnavailable(f"{config.source}: no [sync] section (url and secret): there is no service to ask")
        self.config, self.sync = config, config.sync
        self.session = session or requests.Session()
        self.clock, self.attempts, self.page_size, self.sleep = clock, attempts, page_size, sleep
        self.timeout_s = timeout_s if timeout_s is not None else self.sync.timeout_s
        self.base_path = urlsplit(self.sync.url).path.rstrip("/")
        # The signing offset the sync client learnt (a kiosk clock that is off): the same correction.
        self.offset = float(outbox.get_meta(store, "clock_offset_s", "0") or 0) if store is not None else 0.0

    def __call__(self, part: str) -> Iterator[wire.ChainPage]:
        """Every page of ``part`` ("votes" or "answers"), from the chain's first row."""
        after: int | None = 0
        while after is not None:
            page = self.page(part, after)
            yield page
            after = page.next

    def head(self) -> tuple[int, int]:
        """The votes' chain as the service holds it: (head seq, votes held) — one small page."""
        page = self.page("votes", 0, limit=1)
        return page.head_seq, page.held

    def page(self, part: str, after: int, limit: int | None = None) -> wire.ChainPage:
        """One checked page; :class:`ServiceUnavailable` when it cannot be had."""
        path = wire.chain_path(self.config.kiosk_id, part, after, limit or self.page_size)
        corrected = False
        why = "no attempt"
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(min(8.0, 0.5 * 2 ** attempt))
            try:
                response = self._get(path)
            except requests.RequestException as e:
                why = f"{self.sync.url} cannot be reached ({type(e).__name__})"
                continue
            if response.status_code == 200:
                try:
                    return wire.parse_chain_page(response.content, self.config.kiosk_id, part, after)
                except wire.BadBatch as e:
                    raise ServiceUnavailable(f"the service's answer is not a page of this kiosk's rows: {e}") from None
            body = _json(response)
            problem = Problem.of(response.status_code, body.get("error"))
            if problem is Problem.STALE_TIMESTAMP and not corrected and isinstance(body.get("server_time"), int):
                self.offset, corrected = body["server_time"] - self.clock(), True
                continue
            why = f"the service answered {response.status_code} {body.get('error', '')}: " \
                  f"{body.get('reason', response.reason)}"
            if response.status_code < 500 and response.status_code != 429:
                break   # a refusal (a wrong secret, an unknown kiosk, an older service): asking again changes nothing
        raise ServiceUnavailable(why)

    def _get(self, path: str) -> requests.Response:
        signed_path = self.base_path + path
        headers = signing.signed_headers(self.config.kiosk_id, self.sync.secret.reveal(),
                                         int(self.clock() + self.offset), "GET", signed_path, b"")
        return self.session.get(self.sync.url.rstrip("/") + path, headers=headers, timeout=self.timeout_s)


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
