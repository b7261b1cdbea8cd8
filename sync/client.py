"""Sending the store's waiting votes to the central service: signed batches, exactly once.

The store is the outbox; this module never holds a copy beyond one batch. A batch is marked synced
only for the UUIDs the server's 2xx receipt lists, so a lost response, a timeout or a retry makes
no duplicate (the server dedupes by UUID). Failures are recorded, never swallowed:

- network errors and 5xx (and 429): retried with exponential backoff and full jitter, honouring
  ``Retry-After``; after a few tries the run ends and the next run (the schedule) tries again;
- 401 ``stale_timestamp``: the clock offset is corrected from the server's ``Date`` and the skew
  recorded for the manager; the batch is re-signed and sent again;
- 401 otherwise (not registered yet, a wrong secret): a configuration problem, not a bad vote —
  the votes stay waiting, the run stops, and the manager sees the reason in the sync status;
- 413 (the batch is too large for the server or its proxy): the batch is split in halves and sent
  again; a single vote still too large is quarantined;
- 409 conflict: the conflicting votes are quarantined with the server's reason, the rest retried;
- any other 4xx: the batch is quarantined with the server's reason — kept, visible, retried only
  when the manager releases it — instead of looping.

Each batch carries the kiosk's small status (software version, waiting votes and answers, button
boxes, free disk, clock skew) for the service's health page.

Questionnaire rows (protocol 1.2) go after the votes, in batches of their own: each batch's answers
(in chain order) with the responses they belong to and the definitions those are filed under, so the
service can check every answer. Only what the receipt's ``questionnaires`` lists is marked synced.
A 400 or 413 splits such a batch in halves until the one refused row is found and quarantined; a
409 quarantines the rows it names; a 401 keeps everything waiting, as for votes.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from kiosk import outbox
from kiosk.config import Config
from kiosk.questionnaire import outbox as q_outbox
from kiosk.store import VoteStore

from rating import signing
from rating.problems import Problem
from rating.wire import MAX_Q_ANSWERS, acknowledged, acknowledged_questionnaires, encode_batch

log = logging.getLogger("kiosk.sync")

BATCH_PATH = "/v1/batches"
ATTEMPTS_PER_RUN = 6
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 60.0
RETRY_AFTER_CAP_S = 300.0
AUTH_ERROR_KEY = "auth_error"   # sync_meta: why the server refused this kiosk's signature, until it accepts again


def software_version() -> str:
    """This kiosk's software version, as installed."""
    try:
        from importlib.metadata import version
        return version("rating-kiosk")
    except Exception:  # not installed as a package (a checkout run in place)
        return "0+unknown"


@dataclass
class SyncResult:
    """What one run did, and what is left."""
    sent: int = 0
    duplicates: int = 0
    batches: int = 0
    reasons: int = 0
    quarantined: int = 0          # set aside in this run
    quarantined_total: int = 0    # set aside and not yet released, all runs
    remaining: int = 0            # still unsynced: waiting votes and reasons, and quarantined votes
    error: str | None = None
    clock_skew_s: float | None = None
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    chain: dict[str, Any] | None = None
    answers: int = 0              # questionnaire answers acknowledged (stored now or already held)
    responses: int = 0            # questionnaire responses acknowledged
    q_quarantined: int = 0        # questionnaire rows set aside in this run
    q_quarantined_total: int = 0  # questionnaire rows set aside, all runs (kept on the kiosk, not sent again)
    answer_chain: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        """True when nothing is left waiting and the run ended without error."""
        return self.error is None and self.remaining == 0


class _Stop(Exception):
    """End the run now, leaving everything waiting (e.g. the server refuses this kiosk's signature)."""


class _Retry(Exception):
    def __init__(self, reason: str, wait_s: float | None = None):
        self.reason, self.wait_s = reason, wait_s
        super().__init__(reason)


class SyncClient:
    """Uploads one kiosk's outbox. ``sleep`` and ``rng`` are injectable so tests need not wait."""

    def __init__(self, config: Config, store: VoteStore, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 clock: Callable[[], float] = time.time, attempts: int = ATTEMPTS_PER_RUN):
        if config.sync is None:
            raise ValueError(f"{config.source}: no [sync] section: set url and secret to sync")
        self.config, self.sync, self.store = config, config.sync, store
        self.session = session or requests.Session()
        self.sleep, self.rng, self.clock, self.attempts = sleep, rng or random.Random(), clock, attempts
        base = urlsplit(self.sync.url)
        self.url = self.sync.url + BATCH_PATH
        self.path = (base.path.rstrip("/") or "") + BATCH_PATH
        self.counters = [{"id": c.id, "name": c.name} for c in config.counters]

    def _offset(self) -> float:
        return float(outbox.get_meta(self.store, "clock_offset_s", "0") or 0)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), self.store.tz)

    def run(self) -> SyncResult:
        """Send everything waiting, batch by batch; record the run; return what happened."""
        started = self._now()
        result = SyncResult()
        try:
            while True:
                votes = outbox.pending_votes(self.store, self.sync.batch_size)
                reasons = outbox.pending_reasons(self.store, self.sync.batch_size * 5)
                if not votes and not reasons:
                    break
                before = outbox.count_pending(self.store)
                self._send_batch(votes, reasons, result)
                if outbox.count_pending(self.store) == before:
                    # The server acknowledged nothing of this batch (e.g. reasons whose vote it does not
                    # hold): sending it again now would loop. The next run tries again.
                    raise _Retry(f"the server acknowledged nothing of a batch of {len(votes)} vote(s) and "
                                 f"{len(reasons)} reason(s); they stay waiting")
            self._send_questionnaires(result)
        except _Retry as e:
            result.error = e.reason
        counts = outbox.count_pending(self.store)
        q_counts = q_outbox.count_pending(self.store)
        result.remaining = counts["votes"] + counts["reasons"] + counts["quarantined"] + q_counts["responses"] + \
            q_counts["answers"]
        result.quarantined_total = counts["quarantined"]
        result.q_quarantined_total = sum(q_outbox.count_quarantined(self.store).values())
        skew = outbox.get_meta(self.store, "clock_skew_s")
        result.clock_skew_s = float(skew) if skew is not None else None
        outbox.record_run(self.store, started, self._now(), result.sent, result.remaining, result.error is None,
                          result.error)
        return result

    def status(self) -> dict:
        """The small status sent with each batch, for the service's kiosk-health page."""
        try:
            free_mb = shutil.disk_usage(self.config.data_dir).free // (1024 * 1024)
        except OSError:
            free_mb = None
        skew = outbox.get_meta(self.store, "clock_skew_s")
        return {"software_version": software_version()[:40],
                "waiting_votes": outbox.count_pending(self.store)["votes"],
                "waiting_answers": q_outbox.count_pending(self.store)["answers"],
                "button_boxes": len(self.config.button_boxes), "free_disk_mb": free_mb,
                "clock_skew_s": round(float(skew), 3) if skew is not None else None}

    def _exchange(self, body: bytes) -> requests.Response:
        """POST a batch, retrying what may pass by itself (network, 5xx, 429, a stale clock); return the
        first answer that is a 2xx or a refusal of the batch itself; raise :class:`_Retry` to end the run."""
        corrected_clock = False
        last: _Retry | None = None
        for attempt in range(self.attempts):
            if attempt:
                wait = last.wait_s if last and last.wait_s is not None else \
                    self.rng.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt))
                log.info("sync: retrying in %.1f s (%s)", wait, last.reason if last else "")
                self.sleep(wait)
            try:
                response = self._post(body)
            except requests.RequestException as e:
                last = _Retry(f"network: {type(e).__name__}: {e}")
                continue
            status = response.status_code
            if 200 <= status < 300:
                return response
            reason = _reason(response)
            if _problem(response) is Problem.STALE_TIMESTAMP and not corrected_clock:
                self._correct_clock(response)
                corrected_clock = True
                last = _Retry(f"clock corrected: {reason}", wait_s=0)
                continue
            if status == 401:
                # Not registered yet, or a wrong secret: nothing is wrong with the votes. Keep them
                # waiting and tell the manager; sending more now would only be refused again.
                outbox.set_meta(self.store, {AUTH_ERROR_KEY: reason[:500]})
                log.error("sync: the server refused this kiosk's signature: %s", reason)
                raise _Retry(f"authentication refused (check [kiosk] id and [sync] secret): {reason}")
            if status == 429 or status >= 500:
                last = _Retry(f"server {status}: {reason}", _retry_after(response))
                if last.wait_s is not None and last.wait_s > RETRY_AFTER_CAP_S:
                    raise _Retry(f"server {status}: asked to retry after {last.wait_s:.0f} s")
                continue
            return response
        raise last or _Retry("gave up")

    def _send_batch(self, votes: list[dict], reasons: list[dict], result: SyncResult) -> None:
        body = encode_batch(self.config.kiosk_id, self.counters, votes, reasons, self.status())
        response = self._exchange(body)
        status = response.status_code
        if 200 <= status < 300:
            self._accept(response, votes, reasons, result)
            return
        reason = _reason(response)
        if status == 413:
            self._split(votes, reasons, result, reason)
            return
        if status == 409:
            conflicting = _json(response).get("conflicting") or []
            bad = [v["uuid"] for v in votes if v["uuid"] in set(conflicting)] or [v["uuid"] for v in votes]
            result.quarantined += outbox.quarantine(self.store, bad, f"409 conflict: {reason}", self._now())
            log.error("sync: %d vote(s) quarantined: %s", len(bad), reason)
            return
        # Any other refusal will not change by itself: set the batch aside for the manager.
        uuids = [v["uuid"] for v in votes]
        result.quarantined += outbox.quarantine(self.store, uuids, f"{status}: {reason}", self._now())
        if not uuids:  # a batch of reasons alone: no vote to quarantine, so stop instead of looping
            raise _Retry(f"server {status}: {reason}")
        log.error("sync: batch of %d vote(s) quarantined: %s %s", len(uuids), status, reason)

    # --- questionnaire rows (protocol 1.2) ---------------------------------------------------------

    def _send_questionnaires(self, result: SyncResult) -> None:
        """Send the waiting questionnaire answers and responses, batch by batch, after the votes."""
        limit = min(self.sync.batch_size, MAX_Q_ANSWERS)
        while True:
            answers = q_outbox.pending_answers(self.store, limit)
            responses = q_outbox.responses_by_uuid(self.store, {a["response_uuid"] for a in answers})
            if len(responses) < limit:   # responses with no answer waiting (e.g. only finished since)
                have = {r["uuid"] for r in responses}
                responses += [r for r in q_outbox.pending_responses(self.store, limit - len(responses))
                              if r["uuid"] not in have]
            if not answers and not responses:
                return
            before = q_outbox.count_pending(self.store)
            self._send_q(responses, answers, result)
            if q_outbox.count_pending(self.store) == before:
                raise _Retry(f"the server acknowledged nothing of a batch of {len(answers)} answer(s) and "
                             f"{len(responses)} response(s) (does it take questionnaires, protocol 1.2?); "
                             "they stay waiting")

    def _send_q(self, responses: list[dict], answers: list[dict], result: SyncResult) -> None:
        keys = {(r["questionnaire_id"], r["version"]) for r in (*responses, *answers)}
        definitions = q_outbox.definitions_for(self.store, keys)
        body = encode_batch(self.config.kiosk_id, self.counters, [], [], self.status(),
                            {"definitions": definitions, "responses": responses, "answers": answers})
        response = self._exchange(body)
        status = response.status_code
        if 200 <= status < 300:
            self._accept_q(response, definitions, responses, answers, result)
            return
        reason = _reason(response)
        if status == 409:
            named = set(_json(response).get("conflicting") or [])
            bad_r = [r["uuid"] for r in responses if r["uuid"] in named]
            bad_a = [a["uuid"] for a in answers if a["uuid"] in named]
            if not bad_r and not bad_a:   # e.g. a definition held with other content: the manager must act
                raise _Retry(f"server 409: {reason}")
            result.q_quarantined += q_outbox.quarantine(self.store, responses=bad_r, answers=bad_a)
            log.error("sync: %d questionnaire row(s) quarantined: %s", len(bad_r) + len(bad_a), reason)
            return
        if status == 400 and "unknown field" in reason and "questionnaires" in reason:
            raise _Retry("the server does not take questionnaire answers yet (protocol 1.2): upgrade it; "
                         "the answers stay waiting")
        if status in (400, 413):
            # One bad row must not hold back the rest: halve until it is alone, then set it aside.
            if len(answers) > 1:
                half = len(answers) // 2
                for part in (answers[:half], answers[half:]):
                    needed = {a["response_uuid"] for a in part}
                    self._send_q([r for r in responses if r["uuid"] in needed], part, result)
                return
            if len(responses) > 1:
                half = len(responses) // 2
                for part in (responses[:half], responses[half:]):
                    ids = {r["uuid"] for r in part}
                    self._send_q(part, [a for a in answers if a["response_uuid"] in ids], result)
                return
            bad_a = [a["uuid"] for a in answers]
            bad_r = [] if bad_a else [r["uuid"] for r in responses]
            result.q_quarantined += q_outbox.quarantine(self.store, responses=bad_r, answers=bad_a)
            log.error("sync: questionnaire row %s quarantined: %s %s", (bad_a or bad_r)[:1], status, reason)
            return
        raise _Retry(f"server {status}: {reason}")

    def _accept_q(self, response: requests.Response, definitions: list[dict], responses: list[dict],
                  answers: list[dict], result: SyncResult) -> None:
        try:
            receipt = response.json()
            defs, resps, ans = acknowledged_questionnaires(receipt)
        except ValueError:
            raise _Retry(f"server {response.status_code} sent an unreadable receipt; nothing marked") from None
        if outbox.get_meta(self.store, AUTH_ERROR_KEY) is not None:
            outbox.set_meta(self.store, {AUTH_ERROR_KEY: None})
        if not isinstance(receipt.get("questionnaires"), dict):
            raise _Retry("the service's receipt lists no questionnaire rows: it does not take them yet "
                         "(protocol 1.2); they stay waiting")
        # The core rule again: only what the receipt lists is synced; the rest stays waiting.
        ours_d = [(d["questionnaire_id"], d["version"]) for d in definitions
                  if (d["questionnaire_id"], d["version"]) in defs]
        ours_r = [r["uuid"] for r in responses if r["uuid"] in resps]
        ours_a = [a["uuid"] for a in answers if a["uuid"] in ans]
        q_outbox.mark_synced(self.store, definitions=ours_d, responses=ours_r, answers=ours_a, at=self._now())
        result.answers += len(ours_a)
        result.responses += len(ours_r)
        chain = receipt.get("questionnaires", {}).get("chain") if isinstance(receipt.get("questionnaires"), dict) else None
        result.answer_chain = chain if isinstance(chain, dict) else None
        if len(ours_a) < len(answers):
            raise _Retry(f"the receipt acknowledged {len(ours_a)} of {len(answers)} answers; the rest stay waiting")

    def _split(self, votes: list[dict], reasons: list[dict], result: SyncResult, reason: str) -> None:
        """413: the batch is final as it is; send it as two halves (a single vote: quarantine it)."""
        if len(votes) > 1:
            half = len(votes) // 2
            log.warning("sync: batch of %d vote(s) too large for the server; splitting", len(votes))
            self._send_batch(votes[:half], [], result)
            self._send_batch(votes[half:], [], result)
            return
        if len(reasons) > 1:
            half = len(reasons) // 2
            self._send_batch(votes, reasons[:half], result)
            self._send_batch([], reasons[half:], result)
            return
        uuids = [v["uuid"] for v in votes]
        if not uuids:
            raise _Retry(f"server 413 for a single reason: {reason}")
        result.quarantined += outbox.quarantine(self.store, uuids, f"413: {reason}", self._now())

    def _post(self, body: bytes) -> requests.Response:
        ts = int(self.clock() + self._offset())
        headers = signing.signed_headers(self.config.kiosk_id, self.sync.secret.reveal(), ts, "POST", self.path, body)
        headers["Content-Type"] = "application/json"
        return self.session.post(self.url, data=body, headers=headers, timeout=self.sync.timeout_s)

    def _accept(self, response: requests.Response, votes: list[dict], reasons: list[dict], result: SyncResult) -> None:
        try:
            receipt = response.json()
            accepted, duplicates, reason_keys = acknowledged(receipt)
        except ValueError:
            raise _Retry(f"server {response.status_code} sent an unreadable receipt; nothing marked") from None
        if outbox.get_meta(self.store, AUTH_ERROR_KEY) is not None:
            outbox.set_meta(self.store, {AUTH_ERROR_KEY: None})
        # The core rule: only what the receipt lists is synced; the rest of the batch stays waiting.
        ours = [v["uuid"] for v in votes if v["uuid"] in accepted or v["uuid"] in duplicates]
        sent_reasons = [(r["vote_uuid"], r["element"]) for r in reasons if (r["vote_uuid"], r["element"]) in reason_keys]
        outbox.mark_synced(self.store, ours, sent_reasons, self._now())
        result.batches += 1
        result.sent += len(set(ours) & accepted)
        result.duplicates += len(set(ours) & duplicates)
        result.reasons += len(sent_reasons)
        result.chain = receipt.get("chain") if isinstance(receipt.get("chain"), dict) else None
        if isinstance(receipt.get("totals"), list):
            try:
                result.mismatches = outbox.record_comparison(self.store, receipt["totals"], self._now())
            except (KeyError, TypeError, AttributeError):
                log.warning("sync: the receipt's totals are malformed; not compared")
        if len(ours) < len(votes):
            raise _Retry(f"the receipt acknowledged {len(ours)} of {len(votes)} votes; the rest stay waiting")

    def _correct_clock(self, response: requests.Response) -> None:
        server = None
        body = _json(response)
        if isinstance(body.get("server_time"), (int, float)):
            server = float(body["server_time"])
        elif response.headers.get("Date"):
            try:
                server = parsedate_to_datetime(response.headers["Date"]).timestamp()
            except (TypeError, ValueError):
                server = None
        if server is None:
            return
        offset = server - self.clock()
        outbox.set_meta(self.store, {"clock_offset_s": f"{offset:.3f}", "clock_skew_s": f"{offset:.3f}"})
        log.warning("sync: this kiosk's clock is %+.0f s off the server's; signing with a correction", -offset)


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _problem(response: requests.Response) -> Problem | None:
    """The catalogue entry the service refused with (None for a 2xx, a proxy's page or an unknown code)."""
    return Problem.of(response.status_code, _json(response).get("error"))


def _reason(response: requests.Response) -> str:
    data = _json(response)
    if "reason" in data:
        return f"{data.get('error', '')}: {data['reason']}"[:500]
    return (response.text or response.reason or "")[:200]


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def describe(result: SyncResult) -> str:
    """One paragraph for people: what was sent and what is left, and why."""
    lines = [f"sent {result.sent} vote(s) in {result.batches} batch(es)"
             + (f", {result.duplicates} already on the server" if result.duplicates else "")
             + (f", {result.reasons} reason(s)" if result.reasons else "")]
    if result.answers or result.responses:
        lines.append(f"sent {result.answers} questionnaire answer(s) and {result.responses} response(s)")
    if result.q_quarantined_total:
        lines.append(f"{result.q_quarantined_total} questionnaire row(s) refused by the server and set aside "
                     f"({result.q_quarantined} in this run): kept on the kiosk, not sent again")
    if result.answer_chain and not result.answer_chain.get("ok", True):
        lines.append(f"warning: the server reports {result.answer_chain.get('issues_total', 0)} issue(s) and "
                     f"{result.answer_chain.get('missing_answers', 0)} missing answer(s) in the answer chain")
    if result.quarantined:
        lines.append(f"{result.quarantined} vote(s) quarantined (refused by the server; see `sync --status`)")
    if result.clock_skew_s:
        lines.append(f"warning: this kiosk's clock is {-result.clock_skew_s:+.0f} s off the server's")
    for m in result.mismatches:
        lines.append(f"warning: totals differ for {m['date']} {m['counter']}: here {json.dumps(m['local'])}, "
                     f"server {json.dumps(m['server'])}")
    if result.chain and not result.chain.get("ok", True) and result.chain.get("issues"):
        total = result.chain.get("issues_total", len(result.chain["issues"]))
        lines.append(f"warning: the server reports {total} chain issue(s), first: "
                     f"{result.chain['issues'][0].get('detail')}")
    if result.quarantined_total:
        lines.append(f"{result.quarantined_total} vote(s) in quarantine: the manager must look at them and "
                     "release them (`sync --release-quarantine`)")
    if result.remaining:
        lines.append(f"{result.remaining} item(s) not synced" + (f": {result.error}" if result.error else ""))
    elif result.error:
        lines.append(f"error: {result.error}")
    else:
        lines.append("nothing left to sync")
    return "\n".join(lines)
