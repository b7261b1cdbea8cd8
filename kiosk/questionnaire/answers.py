"""Responses and answers in the vote store: each answer committed as it is given, in its own hash chain.

A citizen's response is started (:meth:`AnswerStore.start_response`), then each answer is stored
the moment it is given (:meth:`AnswerStore.record_answer` returns after COMMIT), so walking away
keeps what was answered. Answers are never updated or deleted: going back and answering a question
again appends a new answer that ``replaces`` the earlier one (the earlier one is marked
``replaced``, a bookkeeping mark the chain lets anyone recompute). A skip is an answer with no choice.

The canonical encoding of an answer (version ``qa1``) is the JSON array

    ["qa1", seq, uuid, response_uuid, kiosk_id, questionnaire_id, version, definition_hash, channel,
     counter_id, question_id, choice, text, replaces, local_time, prev_hash]

serialised like the votes' (no whitespace, non-ASCII as itself, UTF-8); the hash is its hex SHA-256.
``docs/questionnaire.md`` has a worked example.

A questionnaire version is immutable once answers exist: the definition each answer was given
under is stored (``q_definitions``) and its hash is in every answer; a changed file with the same
id and version is refused (:class:`DefinitionChanged`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator

from .. import chainhead
from rating.chain import ANSWER_ENCODING_VERSION as ENCODING_VERSION
from rating.chain import ANSWER_HASHED_FIELDS as HASHED_FIELDS
from rating.chain import GENESIS_HASH, answer_hash, derived_reason, encode_values, local_date_of, wrong_derived
from ..store import VoteStore, new_uuid
from ..syncstate import SyncState
from rating.questionnaire.loader import from_definition
from rating.questionnaire.model import CHANNELS, Questionnaire
from .schema import ALL_COUNTERS

MODES = ("invite", "replace")  # invite after the rating, or replace the single rating


class DefinitionChanged(ValueError):
    """A questionnaire file changed under an id and version that already has answers."""


class ResponseError(ValueError):
    """An answer that cannot belong to this response (unknown response or question, wrong channel, bad choice)."""


@dataclass(frozen=True)
class Answer:
    """A stored answer, as returned by :meth:`AnswerStore.record_answer`."""

    seq: int
    uuid: str
    response_uuid: str
    question_id: str
    choice: str | None
    text: str | None
    replaces: str | None
    local_time: str
    hash: str


@dataclass(frozen=True)
class Active:
    """The questionnaire that is on: for every counter (``counter_id == '*'``) or one."""

    questionnaire: Questionnaire
    counter_id: str
    mode: str
    until: date | None
    started_at: str


# --- definitions ------------------------------------------------------------------------------

def register_definition(store: VoteStore, q: Questionnaire) -> None:
    """Keep ``q``'s definition in the store, refusing a changed definition of a version that has answers.

    While no answer exists a version may still be edited (a draft); the stored copy follows the file.
    """
    now = store.today().isoformat()

    def work(conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT definition_hash FROM q_definitions WHERE questionnaire_id = ? AND version = ?",
                           q.key).fetchone()
        if row is None:
            conn.execute("INSERT INTO q_definitions (questionnaire_id, version, definition_hash, definition, "
                         "registered_at) VALUES (?, ?, ?, ?, ?)", (*q.key, q.definition_hash, q.definition, now))
        elif row[0] != q.definition_hash:
            _refuse_if_answered(conn, q, row[0])
            conn.execute("UPDATE q_definitions SET definition_hash = ?, definition = ?, registered_at = ?, "
                         f"sync_state = '{SyncState.PENDING}' WHERE questionnaire_id = ? AND version = ?",
                         (q.definition_hash, q.definition, now, *q.key))

    store.write(work, "questionnaire definition")


def _refuse_if_answered(conn: sqlite3.Connection, q: Questionnaire, stored_hash: str) -> None:
    n = conn.execute("SELECT count(*) FROM q_responses WHERE questionnaire_id = ? AND version = ?", q.key).fetchone()[0]
    if n:
        raise DefinitionChanged(
            f"{q.source}: questionnaire {q.id!r} version {q.version} has changed since {n} response(s) were given "
            f"under it (stored definition {stored_hash[:12]}…, this file {q.definition_hash[:12]}…). A version "
            f"with answers cannot change: make a new version (set version = {q.version + 1} in the file) "
            "and start that one")


def check_definition(store: VoteStore, q: Questionnaire) -> None:
    """Raise :class:`DefinitionChanged` if ``q`` differs from the stored definition of a version with answers."""
    row = store.query("SELECT definition_hash FROM q_definitions WHERE questionnaire_id = ? AND version = ?", q.key)
    if row and row[0][0] != q.definition_hash:
        _refuse_if_answered(store.conn, q, row[0][0])


def stored_definition(store: VoteStore, qid: str, version: int) -> Questionnaire:
    """The questionnaire as the store keeps it (what its answers were given under)."""
    rows = store.query("SELECT definition FROM q_definitions WHERE questionnaire_id = ? AND version = ?", (qid, version))
    if not rows:
        raise ResponseError(f"questionnaire {qid!r} version {version} is not in {store.path}")
    return from_definition(rows[0][0], source=f"{store.path}: {qid} v{version}")


def answered_in(store: VoteStore, d_from: date, d_to: date) -> list[Questionnaire]:
    """Every questionnaire version with responses from ``d_from`` to ``d_to``, as the store keeps it."""
    rows = store.query("SELECT DISTINCT questionnaire_id, version FROM q_responses WHERE local_date BETWEEN ? AND ? "
                       "ORDER BY 1, 2", (d_from.isoformat(), d_to.isoformat()))
    return [stored_definition(store, qid, version) for qid, version in rows]


# --- start and stop ---------------------------------------------------------------------------

def start_questionnaire(store: VoteStore, q: Questionnaire, counter_id: str | None = None,
                        until: date | None = None, mode: str = "invite") -> Active:
    """Turn ``q`` on for one counter, or for the whole kiosk when ``counter_id`` is None, until a day (inclusive)."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if counter_id is not None and store.counters is not None and counter_id not in store.counters:
        raise ValueError(f"counter {counter_id!r} is not configured (known: {', '.join(sorted(store.counters))})")
    today = store.today()
    if until is not None and until < today:
        raise ValueError(f"--until {until.strftime('%d/%m/%Y')} is already past (today is {today.strftime('%d/%m/%Y')})")
    register_definition(store, q)
    key = counter_id or ALL_COUNTERS
    started = store._clock().astimezone(store.tz).isoformat(timespec="seconds")
    store.write(lambda conn: conn.execute(
        "INSERT OR REPLACE INTO q_active (counter_id, questionnaire_id, version, definition_hash, mode, until, "
        "started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, q.id, q.version, q.definition_hash, mode, until.isoformat() if until else None, started)), "start")
    return Active(q, key, mode, until, started)


def stop_questionnaire(store: VoteStore, counter_id: str | None = None) -> list[str]:
    """Turn questionnaires off: at one counter, or everywhere when ``counter_id`` is None.

    Returns the ``counter_id`` keys that were on (``'*'`` for the whole kiosk). Stopping one counter
    while a kiosk-wide questionnaire is on is refused: that counter would go on asking.
    """
    def work(conn: sqlite3.Connection) -> list[str]:
        on = [r[0] for r in conn.execute("SELECT counter_id FROM q_active ORDER BY counter_id")]
        if counter_id is None:
            conn.execute("DELETE FROM q_active")
            return on
        if counter_id not in on and ALL_COUNTERS in on:
            raise ValueError(f"the questionnaire is on for every counter, not for {counter_id} alone: stop it "
                             "everywhere (without --counter), then start it for the counters that keep it")
        conn.execute("DELETE FROM q_active WHERE counter_id = ?", (counter_id,))
        return [c for c in on if c == counter_id]

    return store.write(work, "stop")


def active_questionnaire(store: VoteStore, counter_id: str | None, today: date | None = None) -> Active | None:
    """The questionnaire on at ``counter_id`` today (its own first, else the kiosk-wide one), or None.

    A questionnaire whose ``until`` day has passed is off. The questionnaire is rebuilt from the
    stored definition, so it is exactly the version its answers will be filed under.
    """
    today = today or store.today()
    rows = store.query("SELECT counter_id, questionnaire_id, version, mode, until, started_at FROM q_active "
                       "WHERE counter_id IN (?, ?)", (counter_id or ALL_COUNTERS, ALL_COUNTERS))
    for key, qid, version, mode, until, started in sorted(rows, key=lambda r: r[0] == ALL_COUNTERS):
        until_day = date.fromisoformat(until) if until else None
        if until_day is not None and until_day < today:
            continue
        return Active(stored_definition(store, qid, version), key, mode, until_day, started)
    return None


def active_list(store: VoteStore) -> list[tuple[str, str, int, str, str | None]]:
    """Every ``(counter_id, questionnaire_id, version, mode, until)`` row that is on, expired ones included."""
    return [tuple(r) for r in store.query("SELECT counter_id, questionnaire_id, version, mode, until FROM q_active "
                                          "ORDER BY counter_id")]


# --- recording --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Response:
    questionnaire: Questionnaire
    channel: str
    counter_id: str | None
    finished: bool


class AnswerStore:
    """Records responses and answers in a :class:`VoteStore`. Safe to share between threads.

    ``start_response`` → ``record_answer`` (once per answer given, as it is given) → ``finish_response``.
    """

    def __init__(self, store: VoteStore):
        self.store = store
        self._responses: dict[str, _Response] = {}
        self._registered: set[tuple[str, int, str]] = set()  # definitions already checked against the store

    def _register(self, q: Questionnaire) -> None:
        key = (*q.key, q.definition_hash)
        if key not in self._registered:
            register_definition(self.store, q)
            self._registered.add(key)

    def _now(self, at: datetime | None) -> datetime:
        at = (at or self.store._clock()).astimezone(self.store.tz)
        return at.replace(microsecond=at.microsecond - at.microsecond % 1000)

    def start_response(self, questionnaire: Questionnaire, channel: str, counter_id: str | None = None,
                       at: datetime | None = None) -> str:
        """Begin one citizen's response on ``channel`` (kiosk, phone or paper); return its id (a UUID)."""
        if channel not in CHANNELS:
            raise ResponseError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        counters = self.store.counters
        if counter_id is not None and counters is not None and counter_id not in counters:
            raise ResponseError(f"counter {counter_id!r} is not configured (known: {', '.join(sorted(counters))})")
        if not questionnaire.for_channel(channel):
            raise ResponseError(f"questionnaire {questionnaire.id} is not answered on the {channel} channel")
        self._register(questionnaire)
        when = self._now(at)
        rid = new_uuid()
        started = when.isoformat(timespec="milliseconds")
        self.store.write(lambda conn: conn.execute(
            "INSERT INTO q_responses (uuid, kiosk_id, questionnaire_id, version, definition_hash, channel, counter_id, "
            "started_at, local_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rid, self.store.kiosk_id, *questionnaire.key, questionnaire.definition_hash, channel, counter_id,
             started, local_date_of(started))), "response")
        self._responses[rid] = _Response(questionnaire, channel, counter_id, False)
        return rid

    def _response(self, response_id: str) -> _Response:
        cached = self._responses.get(response_id)
        if cached is not None and not cached.finished:
            return cached
        rows = self.store.query("SELECT questionnaire_id, version, channel, counter_id, finished_at FROM q_responses "
                                "WHERE uuid = ?", (response_id,))
        if not rows:
            raise ResponseError(f"no response {response_id!r}")
        qid, version, channel, counter_id, finished = rows[0]
        q = cached.questionnaire if cached else stored_definition(self.store, qid, version)
        resp = self._responses[response_id] = _Response(q, channel, counter_id, finished is not None)
        return resp

    def record_answer(self, response_id: str, question_id: str, choice: str | None,
                      at: datetime | None = None) -> Answer:
        """Store one answer and return it once committed. ``choice`` is a choice code, ``None`` for a skip,
        or the citizen's words for the free-text question.

        Answering a question again stores a new answer that replaces the earlier one; the same answer
        again stores nothing and returns the current one.
        """
        resp = self._response(response_id)
        if resp.finished:
            raise ResponseError(f"response {response_id} is finished; start a new one")
        q = resp.questionnaire
        try:
            question = q.question(question_id)
        except KeyError as e:
            raise ResponseError(e.args[0]) from None
        if resp.channel not in question.channels:
            raise ResponseError(f"question {question_id!r} is not asked on the {resp.channel} channel "
                                f"(only {', '.join(question.channels)})")
        code, text = self._check_choice(question, choice)
        when = self._now(at).isoformat(timespec="milliseconds")
        local_date = local_date_of(when)
        answer_uuid = new_uuid()

        def work(conn: sqlite3.Connection) -> Answer:
            current = conn.execute("SELECT uuid, choice, text, seq, local_time, hash, replaces FROM q_answers "
                                   "WHERE response_uuid = ? AND question_id = ? AND replaced = 0",
                                   (response_id, question_id)).fetchone()
            if current is not None and (current[1], current[2]) == (code, text):
                return Answer(current[3], current[0], response_id, question_id, code, text, current[6],
                              current[4], current[5])
            seq, prev = chainhead.start(conn, chainhead.ANSWERS, GENESIS_HASH)
            seq += 1
            row = {"seq": seq, "uuid": answer_uuid, "response_uuid": response_id, "kiosk_id": self.store.kiosk_id,
                   "questionnaire_id": q.id, "version": q.version, "definition_hash": q.definition_hash,
                   "channel": resp.channel, "counter_id": resp.counter_id, "question_id": question_id,
                   "choice": code, "text": text, "replaces": current[0] if current else None,
                   "local_time": when, "prev_hash": prev}
            row["hash"] = answer_hash(row)
            if current is not None:
                conn.execute("UPDATE q_answers SET replaced = 1 WHERE uuid = ?", (current[0],))
            conn.execute(f"INSERT INTO q_answers ({', '.join(row)}, local_date) VALUES ({', '.join('?' * len(row))}, ?)",
                         (*row.values(), local_date))
            chainhead.advance(conn, chainhead.ANSWERS, seq, row["hash"])  # same transaction: a cut tail shows
            return Answer(seq, answer_uuid, response_id, question_id, code, text, row["replaces"], when, row["hash"])

        return self.store.write(work, "answer")

    @staticmethod
    def _check_choice(question, choice: str | None) -> tuple[str | None, str | None]:
        if choice is None:
            return None, None
        if question.kind == "text":
            if not isinstance(choice, str):
                raise ResponseError(f"question {question.id!r} takes words, not {choice!r}")
            words = unicodedata.normalize("NFC", choice).strip()
            if len(words) > question.max_length:
                raise ResponseError(f"question {question.id!r}: at most {question.max_length} characters "
                                    f"(got {len(words)})")
            return None, words or None
        if choice not in question.codes:
            raise ResponseError(f"{choice!r} is not a choice of question {question.id!r} "
                                f"(choices: {', '.join(question.codes)})")
        return choice, None

    def record_responses(self, questionnaire: Questionnaire, items: Iterable[dict[str, Any]],
                         batch_size: int = 2000) -> int:
        """Store many whole responses, ``batch_size`` to a transaction; return how many were stored.

        Each item has ``channel``, ``at`` (an aware datetime), ``answers`` (question id → choice code,
        ``None`` for a skip, or words) and optionally ``counter_id``. For imports, demo data and
        benchmarks: chained and validated exactly as :meth:`record_answer` would, each response finished.
        """
        q = questionnaire
        self._register(q)
        kiosk = self.store.kiosk_id
        insert_a = (f"INSERT INTO q_answers ({', '.join(HASHED_FIELDS)}, hash, local_date) "
                    f"VALUES ({', '.join('?' * (len(HASHED_FIELDS) + 2))})")
        insert_r = ("INSERT INTO q_responses (uuid, kiosk_id, questionnaire_id, version, definition_hash, channel, "
                    "counter_id, started_at, local_date, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        batch: list[dict[str, Any]] = []

        def work(conn: sqlite3.Connection) -> int:
            seq, prev = chainhead.start(conn, chainhead.ANSWERS, GENESIS_HASH)
            responses, answers = [], []
            for item in batch:
                channel, counter_id = item["channel"], item.get("counter_id")
                if channel not in CHANNELS:
                    raise ResponseError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
                when = self._now(item["at"]).isoformat(timespec="milliseconds")
                rid = new_uuid()
                responses.append((rid, kiosk, q.id, q.version, q.definition_hash, channel, counter_id, when,
                                  local_date_of(when), when))
                for question_id, choice in item["answers"].items():
                    try:
                        question = q.question(question_id)
                    except KeyError as e:
                        raise ResponseError(e.args[0]) from None
                    if channel not in question.channels:
                        raise ResponseError(f"question {question_id!r} is not asked on the {channel} channel")
                    code, text = self._check_choice(question, choice)
                    seq += 1
                    values = [seq, new_uuid(), rid, kiosk, q.id, q.version, q.definition_hash, channel, counter_id,
                              question_id, code, text, None, when, prev]
                    prev = hashlib.sha256(encode_values(values, ENCODING_VERSION)).hexdigest()
                    answers.append((*values, prev, local_date_of(when)))
            conn.executemany(insert_r, responses)
            conn.executemany(insert_a, answers)
            if answers:
                chainhead.advance(conn, chainhead.ANSWERS, seq, prev)
            return len(responses)

        total = 0
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                total += self.store.write(work, "responses")
                batch = []
        if batch:
            total += self.store.write(work, "responses")
        return total

    def finish_response(self, response_id: str, at: datetime | None = None) -> None:
        """Mark a response finished (the citizen reached the end); later answers to it are refused.

        A response that is never finished (the citizen walked away) keeps every answer it was given.
        """
        self._response(response_id)
        when = self._now(at).isoformat(timespec="milliseconds")
        self.store.write(lambda conn: conn.execute(
            # Back to pending: a response synced before it was finished is sent again with its finish time.
            f"UPDATE q_responses SET finished_at = ?, sync_state = '{SyncState.PENDING}' "
            "WHERE uuid = ? AND finished_at IS NULL",
            (when, response_id)),
            "finish")
        self._responses.pop(response_id, None)

    def answers(self, response_id: str) -> dict[str, str | None]:
        """The current answer to each question answered or skipped in a response (question id → choice or words)."""
        rows = self.store.query("SELECT question_id, choice, text FROM q_answers WHERE response_uuid = ? "
                                "AND replaced = 0 ORDER BY seq", (response_id,))
        return {qid: (choice if choice is not None else text) for qid, choice, text in rows}


# --- verification -----------------------------------------------------------------------------

class AnswerChainBreak(Exception):
    """Where and how the answers' chain stops holding.

    ``reason`` is English and technical; ``vi`` says the same in Vietnamese, with where it is
    ("tại câu trả lời số 10: …"). ``column`` names a derived column that was edited, if that is the break.
    """

    def __init__(self, seq: int, uuid: str | None, reason: str, vi: str = "", column: str | None = None):
        self.seq, self.uuid, self.reason, self.column = seq, uuid, reason, column
        self.vi = vi or f"tại câu trả lời số {seq}"
        super().__init__(f"answer seq {seq}" + (f" (uuid {uuid})" if uuid else "") + f": {reason}")


_HEADER = ("questionnaire_id", "version", "definition_hash", "channel", "counter_id", "kiosk_id")
# Read beside the header: a response's local_date (the day the analysis files it under) follows from started_at.
_RESPONSE_DAY = ("started_at", "local_date")
ANSWER_DERIVED = ("local_date",)  # beside ``replaced``, checked over the whole chain below


def _iter_rows(store: VoteStore, batch: int = 10_000) -> Iterator[dict[str, Any]]:
    cols = [*HASHED_FIELDS, "hash", "replaced", *ANSWER_DERIVED]
    joined = (*_HEADER, *_RESPONSE_DAY)
    sql = (f"SELECT {', '.join('a.' + c for c in cols)}, {', '.join('r.' + c for c in joined)} FROM q_answers a "
           "LEFT JOIN q_responses r ON r.uuid = a.response_uuid WHERE a.seq > ? ORDER BY a.seq LIMIT ?")
    after = 0
    while True:
        rows = store.query(sql, (after, batch))
        for row in rows:
            d = dict(zip(cols, row))
            d["response"] = dict(zip(joined, row[len(cols):]))
            yield d
        if len(rows) < batch:
            return
        after = rows[-1][0]


def _break_in_row(a: dict[str, Any], prev_seq: int, prev_hash: str,
                  definitions: dict[tuple[str, int], str]) -> AnswerChainBreak | None:
    """The first thing wrong with one answer and its response, or None."""
    seq, uid = a["seq"], a["uuid"]
    at = f"tại câu trả lời số {seq}"
    if seq != prev_seq + 1:
        missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}-{seq - 1}"
        return AnswerChainBreak(seq, uid, f"sequence gap: answer(s) {missing} missing (deleted?)",
                                f"{at}: thiếu câu trả lời số {missing.replace('-', '–')} (đã bị xoá?)")
    if a["prev_hash"] != prev_hash:
        return AnswerChainBreak(seq, uid, "prev_hash does not match the hash of the answer before it "
                                          "(an answer before it was deleted or replaced)",
                                f"{at}: mã băm của câu trả lời trước không khớp "
                                "(một câu trả lời trước nó đã bị xoá hoặc bị thay)")
    if answer_hash(a) != a["hash"]:
        return AnswerChainBreak(seq, uid, "hash does not match the answer's fields (the answer was edited)",
                                f"{at}: mã băm không khớp (câu trả lời đã bị sửa)")
    wrong = wrong_derived(a, ANSWER_DERIVED)
    if wrong is not None:
        en, vi = derived_reason(*wrong, a["local_time"])
        return AnswerChainBreak(seq, uid, en, f"{at}: {vi}", column=wrong[0])
    header, rid = a["response"], a["response_uuid"]
    if header["questionnaire_id"] is None:
        return AnswerChainBreak(seq, uid, f"its response {rid} is missing (deleted?)",
                                f"{at}: thiếu lượt trả lời {rid} của nó (đã bị xoá?)")
    differ = [k for k in _HEADER if header[k] != a[k]]
    if differ:
        return AnswerChainBreak(seq, uid, f"its response {rid} was edited ({', '.join(differ)} "
                                          "differ from the chained answer)",
                                f"{at}: lượt trả lời {rid} của nó đã bị sửa ({', '.join(differ)} khác với "
                                "câu trả lời trong chuỗi)")
    started, day = header["started_at"], header["local_date"]
    if started is None or day != local_date_of(started):
        return AnswerChainBreak(seq, uid, f"its response {rid} has local_date {day!r} but started_at {started} "
                                          "(the column was edited: the analysis files responses by it)",
                                f"{at}: lượt trả lời {rid} của nó có cột local_date là {day} nhưng bắt đầu lúc "
                                f"(started_at) {started} (cột đã bị sửa: phần phân tích tính theo cột này)",
                                column="local_date")
    if definitions.get((a["questionnaire_id"], a["version"])) != a["definition_hash"]:
        qv = f"{a['questionnaire_id']} v{a['version']}"
        return AnswerChainBreak(seq, uid, f"the stored definition of {qv} is not "
                                          "the one this answer was given under (the definition was replaced)",
                                f"{at}: bản định nghĩa {qv} đang lưu không phải bản mà câu trả lời này "
                                "được trả lời theo (bản định nghĩa đã bị thay)")
    return None


def verify_answers(store: VoteStore) -> AnswerChainBreak | None:
    """Walk every answer in ``seq`` order; return the first break, or None when the chain holds.

    Beside the chain itself: each answer's ``local_date`` must be the day of its hashed
    ``local_time``; each answer's questionnaire, version, definition, channel, counter and kiosk must
    be its response's, and the response's ``local_date`` the day of its ``started_at``; each stored
    definition must hash to its hash and be the one the answers were given under; the ``replaced``
    marks must be exactly the answers some later answer ``replaces``; and the last answer must be the
    chain head recorded with it (a cut tail). All in one pass over the answers.
    """
    definitions: dict[tuple[str, int], str] = {}
    for qid, version, stored_hash, definition in store.query(
            "SELECT questionnaire_id, version, definition_hash, definition FROM q_definitions"):
        definitions[(qid, version)] = stored_hash
        if hashlib.sha256(definition.encode("utf-8")).hexdigest() != stored_hash:
            first = store.query("SELECT min(seq) FROM q_answers WHERE questionnaire_id = ? AND version = ?",
                                (qid, version))[0][0]
            return AnswerChainBreak(first or 0, None, f"the stored definition of {qid} v{version} does not match "
                                                      "its hash (the definition was edited)",
                                    f"tại câu trả lời số {first or 0}: bản định nghĩa {qid} v{version} đang lưu "
                                    "không khớp với mã băm của nó (bản định nghĩa đã bị sửa)")
    prev_seq, prev_hash = 0, GENESIS_HASH
    replaced, replaces = {}, {}
    for a in _iter_rows(store):
        brk = _break_in_row(a, prev_seq, prev_hash, definitions)
        if brk is not None:
            return brk
        seq, uid = a["seq"], a["uuid"]
        if a["replaced"]:
            replaced[uid] = seq
        if a["replaces"] is not None:
            replaces[a["replaces"]] = seq
        prev_seq, prev_hash = seq, a["hash"]
    for uid, seq in replaced.items():
        if uid not in replaces:
            return AnswerChainBreak(seq, uid, "marked replaced, but no later answer replaces it (the mark was edited)",
                                    f"tại câu trả lời số {seq}: được đánh dấu là đã bị thay, nhưng không có câu trả "
                                    "lời nào sau thay nó (dấu đã bị sửa)", column="replaced")
    for uid, by in replaces.items():
        if uid not in replaced:
            return AnswerChainBreak(by, None, f"replaces answer {uid}, which is not marked replaced (the mark was edited)",
                                    f"tại câu trả lời số {by}: thay câu trả lời {uid}, nhưng câu đó không được "
                                    "đánh dấu là đã bị thay (dấu đã bị sửa)", column="replaced")
    tail = chainhead.check_tail(store.query, chainhead.ANSWERS, "answer", "câu trả lời")
    if tail is not None:
        return AnswerChainBreak(tail.seq, tail.uuid, tail.reason, tail.vi)
    return None
