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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from kiosk import campaigns as kiosk_campaigns
from kiosk import managed, outbox
from kiosk.config import Config
from kiosk.health import software_version, wire_health
from kiosk.outbox import ANSWERS, CHECKIN_ERROR_KEY, DEFINITIONS, LAST_CHECKIN_KEY, REASONS, RESPONSES, VOTES, Synced
from kiosk.store import VoteStore

from rating import signing
from rating.checkin import CHECKIN_PATH, NO_SETTINGS, encode_checkin, parse_offer
from rating.problems import Problem
from rating.wire import MAX_Q_ANSWERS, acknowledged, encode_batch, encode_votes, known_status_fields

log = logging.getLogger("kiosk.sync")

BATCH_PATH = "/v1/batches"
ATTEMPTS_PER_RUN = 6
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 60.0
RETRY_AFTER_CAP_S = 300.0
AUTH_ERROR_KEY = "auth_error"   # sync_meta: why the server refused this kiosk's signature, until it accepts again
CHECKIN_ATTEMPTS = 2   # a check-in is cheap to miss: the next comes in minutes; the nightly run is the guarantee




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


SETTINGS_REJECTED_KEY = "settings_rejected"   # sync meta: {"version", "reason"} of a version this kiosk refused


@dataclass
class CheckinResult:
    """What one check-in did: ``ok``, the service's answer (``settings``: newer managed settings waiting,
    or None), or why it failed."""
    ok: bool
    settings: dict[str, Any] | None = None
    error: str | None = None
    campaigns: list[dict[str, Any]] | None = None   # what became of each campaign the answer listed (1.5)


class _Stop(Exception):
    """End the run now, leaving everything waiting (e.g. the server refuses this kiosk's signature)."""


class _Retry(Exception):
    def __init__(self, reason: str, wait_s: float | None = None):
        self.reason, self.wait_s = reason, wait_s
        super().__init__(reason)


@dataclass
class _Batch:
    """The rows of one batch, by kind (:mod:`kiosk.outbox`): votes with reasons, or questionnaire rows."""
    rows: dict[Synced, list[dict]]
    votes_json: str | None = None   # the votes encoded already (rating.wire.encode_votes), read ahead

    @property
    def questionnaire(self) -> bool:
        """Questionnaire rows travel in a batch of their own (protocol 1.2), after the votes."""
        return any(kind.questionnaire for kind in self.rows)

    @property
    def lead(self) -> Synced:
        """The kind the batch is made of: a receipt that acknowledges fewer of them ends the run."""
        return ANSWERS if self.questionnaire else VOTES

    @property
    def other(self) -> Synced:
        """What comes with the lead rows (for messages): reasons with votes, responses with answers."""
        return RESPONSES if self.questionnaire else REASONS


class SyncClient:
    """Uploads one kiosk's outbox. ``sleep`` and ``rng`` are injectable so tests need not wait."""

    def __init__(self, config: Config, store: VoteStore, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 clock: Callable[[], float] = time.time, attempts: int = ATTEMPTS_PER_RUN,
                 on_settings: Callable[[Config], None] | None = None):
        if config.sync is None:
            raise ValueError(f"{config.source}: no [sync] section: set url and secret to sync")
        self.config, self.sync, self.store = config, config.sync, store
        self.session = session or requests.Session()
        self.sleep, self.rng, self.clock, self.attempts = sleep, rng or random.Random(), clock, attempts
        self._base_path = urlsplit(self.sync.url).path.rstrip("/") or ""
        self.url = self.sync.url + BATCH_PATH
        self.path = self._base_path + BATCH_PATH
        # The managed settings this kiosk runs (rating.checkin.NO_SETTINGS until the service manages any); a
        # newer version a check-in brings is handed to on_settings (the running kiosk switches to it).
        self.settings_version = config.settings_version or NO_SETTINGS
        self.on_settings = on_settings
        self.counters = [{"id": c.id, "name": c.name} for c in config.counters]
        self._waiting: dict[str, int] | None = None   # during a run: see run()
        self._status_known: set[str] | None = None      # the status fields an older service takes (see _send)
        # During a run: the thread a batch's POST runs in, so that the next batch's votes are read while the
        # service stores this one (its head start: see _read_ahead), and what it read.
        self._poster: ThreadPoolExecutor | None = None
        self._ahead_of: _Batch | None = None
        self._read_ahead: tuple[list[dict], str] | None = None   # the votes, and encoded (rating.wire.encode_votes)

    def _offset(self) -> float:
        return float(outbox.get_meta(self.store, "clock_offset_s", "0") or 0)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), self.store.tz)

    def run(self) -> SyncResult:
        """Send everything waiting, batch by batch (the votes and reasons, then the questionnaire rows);
        record the run; return what happened."""
        started = self._now()
        result = SyncResult()
        # What the status of each batch says is waiting: counted once, then less what each receipt
        # settles (counting the outbox again for every batch made a long backlog quadratic).
        self._waiting = outbox.count_waiting(self.store)
        self._poster = ThreadPoolExecutor(1, thread_name_prefix="sync-post")
        try:
            for next_batch, what in ((self._vote_batch, "vote(s) and {} reason(s)"),
                                     (self._q_batch, "answer(s) and {} response(s) (does it take "
                                                     "questionnaires, protocol 1.2?)")):
                while (batch := next_batch()) is not None:
                    self._ahead_of = batch if next_batch == self._vote_batch else None
                    if not self._send(batch, result):
                        # The server acknowledged nothing of this batch (e.g. reasons whose vote it does not
                        # hold): sending it again now would loop. The next run tries again.
                        lead, other = batch.lead, batch.rows[batch.other]
                        raise _Retry(f"the server acknowledged nothing of a batch of {len(batch.rows[lead])} "
                                     + what.format(len(other)) + "; they stay waiting")
        except _Retry as e:
            result.error = e.reason
        finally:
            self._waiting, self._ahead_of, self._read_ahead = None, None, None
            self._poster.shutdown()
            self._poster = None
        waiting, quarantined = outbox.count_waiting(self.store), outbox.count_quarantined(self.store)
        result.remaining = waiting["votes"] + waiting["reasons"] + quarantined["votes"] + waiting["responses"] + \
            waiting["answers"]
        result.quarantined_total = quarantined["votes"]
        result.q_quarantined_total = quarantined["responses"] + quarantined["answers"]
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
        waiting = self._waiting if self._waiting is not None else outbox.count_waiting(self.store)
        status = {"software_version": software_version()[:40],
                  "waiting_votes": waiting["votes"],
                  "waiting_answers": waiting["answers"],
                  "button_boxes": len(self.config.button_boxes), "free_disk_mb": free_mb,
                  "clock_skew_s": round(float(skew), 3) if skew is not None else None,
                  **wire_health(self.config, self.store, waiting=lambda: waiting["votes"] + waiting["reasons"])}
        if self._status_known is not None:  # an older service: only what it said it knows
            status = {k: v for k, v in status.items() if k in self._status_known}
        return status

    def checkin(self, follow_up: bool = True) -> CheckinResult:
        """Check in now (rating.checkin): the batch's status, the settings version and the opening hours,
        signed as a batch; a try or two, never the long backoff of a batch (the next check-in is minutes
        away). The outcome is kept in the store's sync meta (``sync --status``); votes are not touched.
        Campaigns the answer lists are started (:mod:`kiosk.campaigns`); when that changed what the kiosk
        reports, it checks in once more at once, so the service's campaign page learns it now."""
        body = encode_checkin(self.config.kiosk_id, self.status(), self.settings_version, self.config.hours,
                              self.config.timezone, self._rejected(), kiosk_campaigns.reports(self.store))
        try:
            response = self._exchange(body, CHECKIN_PATH, attempts=CHECKIN_ATTEMPTS)
        except _Retry as e:
            return self._checked_in(CheckinResult(False, error=e.reason))
        if response.status_code == 404 and _problem(response) in (Problem.NOT_FOUND, None):
            return self._checked_in(CheckinResult(False, error="the service takes no check-ins yet (older than "
                                                              "protocol 1.4): the nightly sync carries the health"))
        if not 200 <= response.status_code < 300:
            return self._checked_in(CheckinResult(False, error=f"server {response.status_code}: {_reason(response)}"))
        answer = _json(response)
        settings = answer.get("settings")
        result = CheckinResult(True, settings if isinstance(settings, dict) else None)
        changed = False
        if "campaigns" in answer:   # protocol 1.5; an older service sends no such key
            try:
                result.campaigns, changed = kiosk_campaigns.apply(self.config, self.store, answer["campaigns"])
            except kiosk_campaigns.BadCampaign as e:
                return self._checked_in(CheckinResult(False, error=f"the service's campaigns: {e}"))
        result = self._checked_in(result)
        changed = self._take_settings(result.settings) or changed
        if changed and follow_up:
            # Say at once which settings version and campaigns run now, or why not.
            again = self.checkin(follow_up=False)
            return again if again.ok else result
        return result

    def _rejected(self) -> dict[str, str] | None:
        """The version of the managed settings this kiosk refused and why, while it is not the one it runs."""
        try:
            rejected = json.loads(outbox.get_meta(self.store, SETTINGS_REJECTED_KEY) or "null")
        except ValueError:
            return None
        if not isinstance(rejected, dict) or rejected.get("version") == self.settings_version:
            return None
        return rejected

    def _take_settings(self, value: Any) -> bool:
        """Apply the managed settings a check-in's answer offers (kiosk.managed: whole, or refused with the
        reason kept for the next check-in); True when this kiosk's version or refusal changed."""
        offer = parse_offer(value)
        if offer is None or offer[0] == self.settings_version:
            return False
        version, fragment = offer
        if (self._rejected() or {}).get("version") == version:
            return False   # refused already: said in every check-in until the service offers another
        try:
            new = managed.accept(self.config, version, fragment, self._now())
        except managed.Rejected as e:
            log.warning("managed settings version %s refused; the last good ones stay: %s", version, e)
            outbox.set_meta(self.store, {SETTINGS_REJECTED_KEY: json.dumps({"version": version, "reason": str(e)},
                                                                           ensure_ascii=False)})
            return True
        log.info("managed settings version %s taken (was %s)", version, self.settings_version)
        self.config, self.settings_version = new, version
        self.counters = [{"id": c.id, "name": c.name} for c in new.counters]
        outbox.set_meta(self.store, {SETTINGS_REJECTED_KEY: None})
        if self.on_settings is not None:
            self.on_settings(new)
        return True

    def _checked_in(self, result: CheckinResult) -> CheckinResult:
        if result.ok:
            meta = {LAST_CHECKIN_KEY: self._now().isoformat(timespec="seconds"), CHECKIN_ERROR_KEY: None}
            if outbox.get_meta(self.store, AUTH_ERROR_KEY) is not None:
                meta[AUTH_ERROR_KEY] = None   # the service knows this kiosk again
        else:
            log.warning("check-in failed: %s", result.error)
            meta = {CHECKIN_ERROR_KEY: (result.error or "")[:500]}
        outbox.set_meta(self.store, meta)
        return result

    # --- building batches ----------------------------------------------------------------------

    def _vote_batch(self) -> "_Batch | None":
        """The oldest waiting votes and the reasons waiting (they may follow a vote synced earlier)."""
        ahead = self._votes_read_ahead()
        votes = ahead[0] if ahead else outbox.waiting(self.store, VOTES, self.sync.batch_size)
        reasons = outbox.waiting(self.store, REASONS, self.sync.batch_size * 5)
        return _Batch({VOTES: votes, REASONS: reasons}, ahead[1] if ahead else None) if votes or reasons else None

    def _read_next(self) -> None:
        """While a full batch of votes is in flight: read the waiting votes after it (kept for
        :meth:`_votes_read_ahead`), so the next batch is ready when the receipt comes."""
        batch, self._ahead_of, self._read_ahead = self._ahead_of, None, None
        votes = batch.rows.get(VOTES) if batch is not None else None
        if votes and len(votes) == self.sync.batch_size:
            ahead = outbox.waiting_after(self.store, votes[-1]["seq"], self.sync.batch_size)
            self._read_ahead = (ahead, encode_votes(ahead))

    def _votes_read_ahead(self) -> tuple[list[dict], str] | None:
        """The votes read ahead when they are exactly what :func:`kiosk.outbox.waiting` reads now (the batch
        before was settled whole, nothing older waits, none was set aside or released meanwhile), else None."""
        ahead, self._read_ahead = self._read_ahead, None
        votes, limit = ahead[0] if ahead else None, self.sync.batch_size
        if votes and len(votes) == limit and \
                outbox.waiting_seqs(self.store, votes[-1]["seq"], limit) == [v["seq"] for v in votes]:
            return ahead
        return None

    def _q_batch(self) -> "_Batch | None":
        """The oldest waiting answers (in chain order) with the responses they belong to, and responses
        waiting without answers (e.g. finished since they were sent)."""
        limit = min(self.sync.batch_size, MAX_Q_ANSWERS)
        answers = outbox.waiting(self.store, ANSWERS, limit)
        responses = outbox.by_key(self.store, RESPONSES, {a["response_uuid"] for a in answers})
        if len(responses) < limit:
            have = {r["uuid"] for r in responses}
            responses += [r for r in outbox.waiting(self.store, RESPONSES, limit - len(responses))
                          if r["uuid"] not in have]
        return self._questionnaire_batch(responses, answers) if answers or responses else None

    def _questionnaire_batch(self, responses: list[dict], answers: list[dict]) -> "_Batch":
        """Responses and answers with the definitions they are filed under, so the service can check each."""
        keys = {(r["questionnaire_id"], r["version"]) for r in (*responses, *answers)}
        return _Batch({DEFINITIONS: outbox.by_key(self.store, DEFINITIONS, keys), RESPONSES: responses,
                       ANSWERS: answers})

    def _exchange(self, body: bytes, path: str = BATCH_PATH, attempts: int | None = None) -> requests.Response:
        """POST a batch (or a check-in), retrying what may pass by itself (network, 5xx, 429, a stale clock);
        return the first answer that is a 2xx or a refusal of the request itself; raise :class:`_Retry` to
        end the run."""
        corrected_clock = False
        last: _Retry | None = None
        for attempt in range(attempts or self.attempts):
            if attempt:
                wait = last.wait_s if last and last.wait_s is not None else \
                    self.rng.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt))
                log.info("sync: retrying in %.1f s (%s)", wait, last.reason if last else "")
                self.sleep(wait)
            try:
                response = self._post_reading_ahead(body, path)
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

    # --- the one path: send a batch, mark what the receipt acknowledges -------------------------

    def _send(self, batch: "_Batch", result: SyncResult) -> int:
        """Send one batch and settle it; return how many rows changed state (acknowledged, set aside)."""
        q = {kind.part: rows for kind, rows in batch.rows.items() if kind.questionnaire}
        body = encode_batch(self.config.kiosk_id, self.counters, batch.rows.get(VOTES, []),
                            batch.rows.get(REASONS, []), self.status(), q or None, votes_json=batch.votes_json)
        response = self._exchange(body)
        if 200 <= response.status_code < 300:
            return self._accept(response, batch, result)
        known = known_status_fields(_reason(response)) if response.status_code == 400 else None
        if known is not None and self._status_known is None:
            # A service older than the status this kiosk sends: nothing is wrong with the rows. Send the
            # batch again with the status fields it knows (once a run), never quarantine for this.
            log.warning("sync: the service does not take every status field yet; sending only %s", sorted(known))
            self._status_known = known
            return self._send(batch, result)
        return (self._refused_q if batch.questionnaire else self._refused)(response, batch, result)

    def _accept(self, response: requests.Response, batch: "_Batch", result: SyncResult) -> int:
        try:
            receipt = response.json()
            acked = {kind: kind.acknowledged(receipt) for kind in batch.rows}
        except ValueError:
            raise _Retry(f"server {response.status_code} sent an unreadable receipt; nothing marked") from None
        if outbox.get_meta(self.store, AUTH_ERROR_KEY) is not None:
            outbox.set_meta(self.store, {AUTH_ERROR_KEY: None})
        if batch.questionnaire and not isinstance(receipt.get("questionnaires"), dict):
            raise _Retry("the service's receipt lists no questionnaire rows: it does not take them yet "
                         "(protocol 1.2); they stay waiting")
        # The core rule: only what the receipt lists is synced; the rest of the batch stays waiting.
        ours = {kind: [kind.key_of(r) for r in rows if kind.key_of(r) in acked[kind]]
                for kind, rows in batch.rows.items()}
        changed = outbox.mark_synced(self.store, ours, self._now())
        self._settled(changed)
        if batch.questionnaire:
            result.answers += len(ours[ANSWERS])
            result.responses += len(ours[RESPONSES])
            chain = receipt["questionnaires"].get("chain")
            result.answer_chain = chain if isinstance(chain, dict) else None
        else:
            accepted, duplicates, _ = acknowledged(receipt)
            result.batches += 1
            result.sent += len(set(ours[VOTES]) & accepted)
            result.duplicates += len(set(ours[VOTES]) & duplicates)
            result.reasons += len(ours[REASONS])
            result.chain = receipt.get("chain") if isinstance(receipt.get("chain"), dict) else None
            if isinstance(receipt.get("totals"), list):
                try:
                    result.mismatches = outbox.record_comparison(self.store, receipt["totals"], self._now())
                except (KeyError, TypeError, AttributeError):
                    log.warning("sync: the receipt's totals are malformed; not compared")
        lead = batch.lead
        if len(ours[lead]) < len(batch.rows[lead]):
            raise _Retry(f"the receipt acknowledged {len(ours[lead])} of {len(batch.rows[lead])} {lead.part}; "
                         "the rest stay waiting")
        return sum(changed.values())

    def _quarantine(self, rows: dict[Synced, list], reason: str, result: SyncResult) -> int:
        """Set refused rows aside (see :func:`kiosk.outbox.quarantine`); count them in ``result``."""
        changed = outbox.quarantine(self.store, rows, reason, self._now())
        self._settled(changed)
        n = sum(changed.values())
        if VOTES in rows:
            result.quarantined += n
        else:
            result.q_quarantined += n
        return n

    def _settled(self, changed: dict[Synced, int]) -> None:
        """Rows that left the outbox: what the next batch's status says is waiting follows."""
        if self._waiting is not None:
            for kind, n in changed.items():
                self._waiting[kind.part] -= n
            if min(self._waiting.values()) < 0:
                # Rows taken since the count (a citizen voted during the run) were settled too: count again,
                # or the next status says a negative number and the service refuses the batch.
                self._waiting = outbox.count_waiting(self.store)

    # --- refusals: votes (docs/sync-protocol.md, "The receipt") ------------------------------------

    def _refused(self, response: requests.Response, batch: "_Batch", result: SyncResult) -> int:
        votes, reasons = batch.rows[VOTES], batch.rows[REASONS]
        status, reason = response.status_code, _reason(response)
        if status == 413:
            return self._split(votes, reasons, result, reason)
        if status == 409:
            conflicting = set(_json(response).get("conflicting") or [])
            bad = [v["uuid"] for v in votes if v["uuid"] in conflicting] or [v["uuid"] for v in votes]
            log.error("sync: %d vote(s) quarantined: %s", len(bad), reason)
            return self._quarantine({VOTES: bad}, f"409 conflict: {reason}", result)
        # Any other refusal will not change by itself: set the batch aside for the manager.
        uuids = [v["uuid"] for v in votes]
        if not uuids:  # a batch of reasons alone: no vote to quarantine, so stop instead of looping
            raise _Retry(f"server {status}: {reason}")
        log.error("sync: batch of %d vote(s) quarantined: %s %s", len(uuids), status, reason)
        return self._quarantine({VOTES: uuids}, f"{status}: {reason}", result)

    def _split(self, votes: list[dict], reasons: list[dict], result: SyncResult, reason: str) -> int:
        """413: the batch is final as it is; send it as two halves (a single vote: quarantine it)."""
        if len(votes) > 1:
            half = len(votes) // 2
            log.warning("sync: batch of %d vote(s) too large for the server; splitting", len(votes))
            return sum(self._send(_Batch({VOTES: part, REASONS: []}), result) for part in (votes[:half], votes[half:]))
        if len(reasons) > 1:
            half = len(reasons) // 2
            return (self._send(_Batch({VOTES: votes, REASONS: reasons[:half]}), result)
                    + self._send(_Batch({VOTES: [], REASONS: reasons[half:]}), result))
        uuids = [v["uuid"] for v in votes]
        if not uuids:
            raise _Retry(f"server 413 for a single reason: {reason}")
        return self._quarantine({VOTES: uuids}, f"413: {reason}", result)

    # --- refusals: questionnaire rows (docs/sync-protocol.md, "Questionnaires") ---------------------

    def _refused_q(self, response: requests.Response, batch: "_Batch", result: SyncResult) -> int:
        responses, answers = batch.rows[RESPONSES], batch.rows[ANSWERS]
        status, reason = response.status_code, _reason(response)
        if status == 409:
            named = set(_json(response).get("conflicting") or [])
            bad_r = [r["uuid"] for r in responses if r["uuid"] in named]
            bad_a = [a["uuid"] for a in answers if a["uuid"] in named]
            if not bad_r and not bad_a:   # e.g. a definition held with other content: the manager must act
                raise _Retry(f"server 409: {reason}")
            log.error("sync: %d questionnaire row(s) quarantined: %s", len(bad_r) + len(bad_a), reason)
            return self._quarantine({RESPONSES: bad_r, ANSWERS: bad_a}, reason, result)
        if status == 400 and "unknown field" in reason and "questionnaires" in reason:
            raise _Retry("the server does not take questionnaire answers yet (protocol 1.2): upgrade it; "
                         "the answers stay waiting")
        if status not in (400, 413):
            raise _Retry(f"server {status}: {reason}")
        # One bad row must not hold back the rest: halve until it is alone, then set it aside.
        if len(answers) > 1:
            half = len(answers) // 2
            parts = [([r for r in responses if r["uuid"] in {a["response_uuid"] for a in part}], part)
                     for part in (answers[:half], answers[half:])]
        elif len(responses) > 1:
            half = len(responses) // 2
            parts = [(part, [a for a in answers if a["response_uuid"] in {r["uuid"] for r in part}])
                     for part in (responses[:half], responses[half:])]
        else:
            bad_a = [a["uuid"] for a in answers]
            bad_r = [] if bad_a else [r["uuid"] for r in responses]
            log.error("sync: questionnaire row %s quarantined: %s %s", (bad_a or bad_r)[:1], status, reason)
            return self._quarantine({RESPONSES: bad_r, ANSWERS: bad_a}, reason, result)
        return sum(self._send(self._questionnaire_batch(r, a), result) for r, a in parts)

    def _post_reading_ahead(self, body: bytes, path: str) -> requests.Response:
        """:meth:`_post`; for a run's batch of votes, in the run's thread while this one reads the next
        batch's votes (the service takes longer to store a batch than the kiosk to read one)."""
        if self._poster is None or self._ahead_of is None:
            return self._post(body, path)
        # Signed here: the thread only sends (reading the clock offset would wait for the store meanwhile).
        posting = self._poster.submit(self._deliver, body, path, self._headers(body, path))
        try:
            self._read_next()
        except Exception as e:  # only a head start: the votes are read again after the receipt, as without one
            log.debug("sync: reading the next batch ahead failed: %s", e)
            self._read_ahead = None
        return posting.result()

    def _post(self, body: bytes, path: str = BATCH_PATH) -> requests.Response:
        return self._deliver(body, path, self._headers(body, path))

    def _headers(self, body: bytes, path: str) -> dict[str, str]:
        ts = int(self.clock() + self._offset())
        headers = signing.signed_headers(self.config.kiosk_id, self.sync.secret.reveal(), ts, "POST",
                                         self._base_path + path, body)
        headers["Content-Type"] = "application/json"
        return headers

    def _deliver(self, body: bytes, path: str, headers: dict[str, str]) -> requests.Response:
        return self.session.post(self.sync.url + path, data=body, headers=headers, timeout=self.sync.timeout_s)

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
