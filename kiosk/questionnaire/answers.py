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
from typing import Any, Iterable, Iterator, Sequence

from .. import chainhead
from rating.chain import ANSWERS, ChainBreak, ChainVerifier, at_row, local_date_of
from ..store import VoteStore, new_uuid
from ..syncstate import SyncState
from rating.questionnaire.loader import from_definition
from rating.questionnaire.model import CHANNELS, Questionnaire
from .schema import ALL_COUNTERS

from rating.campaign import MODES  # invite after the rating, or replace the single rating (one definition)


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


def running_since(store: VoteStore, started_at: str) -> bool:
    """True while the kiosk-wide questionnaire is still the one started at ``started_at``."""
    return bool(store.query("SELECT 1 FROM q_active WHERE counter_id = ? AND started_at = ?",
                            (ALL_COUNTERS, started_at)))


def stop_if_started_at(store: VoteStore, started_at: str) -> bool:
    """Turn off the kiosk-wide questionnaire started at ``started_at`` (a campaign the service withdrew),
    unless another has been started since; True when it was on."""
    def work(conn: sqlite3.Connection) -> bool:
        return conn.execute("DELETE FROM q_active WHERE counter_id = ? AND started_at = ?",
                            (ALL_COUNTERS, started_at)).rowcount > 0
    return store.write(work, "campaign withdrawn")


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
            seq, prev = chainhead.start(conn, ANSWERS)
            seq += 1
            row = {"seq": seq, "uuid": answer_uuid, "response_uuid": response_id, "kiosk_id": self.store.kiosk_id,
                   "questionnaire_id": q.id, "version": q.version, "definition_hash": q.definition_hash,
                   "channel": resp.channel, "counter_id": resp.counter_id, "question_id": question_id,
                   "choice": code, "text": text, "replaces": current[0] if current else None,
                   "local_time": when, "prev_hash": prev}
            row["hash"] = ANSWERS.hash(row)
            if current is not None:
                conn.execute("UPDATE q_answers SET replaced = 1 WHERE uuid = ?", (current[0],))
            conn.execute(f"INSERT INTO q_answers ({', '.join(row)}, local_date) VALUES ({', '.join('?' * len(row))}, ?)",
                         (*row.values(), local_date))
            chainhead.advance(conn, ANSWERS, seq, row["hash"])  # same transaction: a cut tail shows
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
        insert_a = (f"INSERT INTO q_answers ({', '.join(ANSWERS.columns)}) "
                    f"VALUES ({', '.join('?' * len(ANSWERS.columns))})")
        insert_r = ("INSERT INTO q_responses (uuid, kiosk_id, questionnaire_id, version, definition_hash, channel, "
                    "counter_id, started_at, local_date, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        batch: list[dict[str, Any]] = []

        def work(conn: sqlite3.Connection) -> int:
            seq, prev = chainhead.start(conn, ANSWERS)
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
                    prev = ANSWERS.hash_values(values)
                    answers.append((*values, prev, local_date_of(when)))
            conn.executemany(insert_r, responses)
            conn.executemany(insert_a, answers)
            if answers:
                chainhead.advance(conn, ANSWERS, seq, prev)
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

_HEADER = ("questionnaire_id", "version", "definition_hash", "channel", "counter_id", "kiosk_id")
_JOINS = ("FROM q_answers a LEFT JOIN q_responses r ON r.uuid = a.response_uuid "
          "LEFT JOIN q_definitions d ON d.questionnaire_id = a.questionnaire_id AND d.version = a.version")
# The chain's columns, then what the replaced marks are checked with.
_WALK = (*ANSWERS.columns, "replaces", "replaced")
_WALK_SQL = f"SELECT {', '.join(_WALK)} FROM q_answers WHERE seq > ? ORDER BY seq LIMIT ?"
_AT = {c: i for i, c in enumerate(_WALK)}


def _answer_pages(store: VoteStore, batch: int = 10_000) -> Iterator[list[tuple]]:
    after = 0
    while True:
        rows = store.query(_WALK_SQL, (after, batch))
        if rows:
            yield rows
        if len(rows) < batch:
            return
        after = rows[-1][0]


class _Relations:
    """Whether the answers of a page agree with their responses and with the stored definitions.

    Each response is read once for a page (a page's answers belong to a few hundred responses), not
    joined once per answer; the comparisons then run a column at a time.
    """

    def __init__(self, store: VoteStore):
        self.store = store
        self.definitions = {(q, v): h for q, v, h in
                            store.query("SELECT questionnaire_id, version, definition_hash FROM q_definitions")}

    def first_disagreeing(self, page: Sequence[tuple], columns: Sequence[Sequence[Any]]) -> int | None:
        """The ``seq`` of the page's first answer that disagrees with its response or definition, or None."""
        rids = columns[_AT["response_uuid"]]
        held: dict[str, dict[str, Any]] = {c: {} for c in _HEADER}  # field -> response uuid -> value
        wanted = sorted(set(rids))
        for i in range(0, len(wanted), 500):  # bounded by SQLite's number of parameters
            chunk = wanted[i:i + 500]
            for uid, *header, started, day in self.store.query(
                    f"SELECT uuid, {', '.join(_HEADER)}, started_at, local_date FROM q_responses "
                    f"WHERE uuid IN ({', '.join('?' * len(chunk))})", chunk):
                # A response whose local_date is not the day it started disagrees with every answer.
                if started is not None and day == local_date_of(started):
                    for c, value in zip(_HEADER, header):
                        held[c][uid] = value
        missing = [u for u in wanted if u not in held["questionnaire_id"]]
        definitions = list(map(self.definitions.get, zip(columns[_AT["questionnaire_id"]], columns[_AT["version"]])))
        if not missing and definitions == list(columns[_AT["definition_hash"]]) and all(
                list(map(held[c].get, rids)) == list(columns[_AT[c]]) for c in _HEADER):
            return None
        for row, definition in zip(page, definitions):  # the first one, named row by row
            rid = row[_AT["response_uuid"]]
            if rid in missing or definition != row[_AT["definition_hash"]] or any(
                    held[c].get(rid) != row[_AT[c]] for c in _HEADER):
                return row[0]
        return None  # not reached: a column that differs has a first row that differs


def _relation_break(store: VoteStore, seq: int) -> ChainBreak:
    """How answer ``seq`` (flagged by the walk) disagrees with its response or its stored definition."""
    (uid, rid, missing, *differ_flags, started, day, qid, version), = store.query(
        f"SELECT a.uuid, a.response_uuid, r.uuid IS NULL, {', '.join(f'r.{c} IS NOT a.{c}' for c in _HEADER)}, "
        f"r.started_at, r.local_date, a.questionnaire_id, a.version {_JOINS} WHERE a.seq = ?", (seq,))
    if missing:
        return at_row(ANSWERS, seq, uid, f"its response {rid} is missing (deleted?)",
                      f"thiếu lượt trả lời {rid} của nó (đã bị xoá?)")
    differ = [c for c, flag in zip(_HEADER, differ_flags) if flag]
    if differ:
        return at_row(ANSWERS, seq, uid, f"its response {rid} was edited ({', '.join(differ)} differ from the "
                                         "chained answer)",
                      f"lượt trả lời {rid} của nó đã bị sửa ({', '.join(differ)} khác với câu trả lời trong chuỗi)")
    if started is None or day != local_date_of(started):
        return at_row(ANSWERS, seq, uid, f"its response {rid} has local_date {day!r} but started_at {started} "
                                         "(the column was edited: the analysis files responses by it)",
                      f"lượt trả lời {rid} của nó có cột local_date là {day} nhưng bắt đầu lúc (started_at) "
                      f"{started} (cột đã bị sửa: phần phân tích tính theo cột này)", column="local_date")
    qv = f"{qid} v{version}"
    return at_row(ANSWERS, seq, uid, f"the stored definition of {qv} is not the one this answer was given under "
                                     "(the definition was replaced)",
                  f"bản định nghĩa {qv} đang lưu không phải bản mà câu trả lời này được trả lời theo "
                  "(bản định nghĩa đã bị thay)")


def verify_answers(store: VoteStore) -> ChainBreak | None:
    """Check every answer in ``seq`` order; return the first break, or None when the chain holds.

    Beside the chain itself (:class:`rating.chain.ChainVerifier`: gaps, links, hashes and the derived
    ``local_date``): each answer's questionnaire, version, definition, channel, counter and kiosk must
    be its response's, and the response's ``local_date`` the day of its ``started_at``; each stored
    definition must hash to its hash and be the one the answers were given under; the ``replaced``
    marks must be exactly the answers some later answer ``replaces``; and the last answer must be the
    chain head recorded with it (a cut tail). The break named is the one at the lowest ``seq``.
    """
    for qid, version, stored_hash, definition in store.query(
            "SELECT questionnaire_id, version, definition_hash, definition FROM q_definitions"):
        if hashlib.sha256(definition.encode("utf-8")).hexdigest() != stored_hash:
            first = store.query("SELECT min(seq) FROM q_answers WHERE questionnaire_id = ? AND version = ?",
                                (qid, version))[0][0] or 0
            return at_row(ANSWERS, first, None, f"the stored definition of {qid} v{version} does not match its hash "
                                                "(the definition was edited)",
                          f"bản định nghĩa {qid} v{version} đang lưu không khớp với mã băm của nó "
                          "(bản định nghĩa đã bị sửa)")
    verifier = ChainVerifier(ANSWERS)
    relations = _Relations(store)
    replaced: dict[str, int] = {}
    replaces: dict[str, int] = {}
    for page in _answer_pages(store):
        columns = list(zip(*page))
        brk = verifier.check_rows(page, columns)
        disagrees = relations.first_disagreeing(page, columns)
        if disagrees is not None and (brk is None or disagrees < brk.seq):
            return _relation_break(store, disagrees)  # at one seq, a break in the chain is named first
        if brk is not None:
            return brk
        if 1 in columns[_AT["replaced"]]:
            replaced.update((r[1], r[0]) for r in page if r[_AT["replaced"]])
        if set(columns[_AT["replaces"]]) != {None}:
            replaces.update((r[_AT["replaces"]], r[0]) for r in page if r[_AT["replaces"]] is not None)
    for uid, seq in replaced.items():
        if uid not in replaces:
            return at_row(ANSWERS, seq, uid, "marked replaced, but no later answer replaces it (the mark was edited)",
                          "được đánh dấu là đã bị thay, nhưng không có câu trả lời nào sau thay nó (dấu đã bị sửa)",
                          column="replaced")
    for uid, by in replaces.items():
        if uid not in replaced:
            return at_row(ANSWERS, by, None, f"replaces answer {uid}, which is not marked replaced (the mark was edited)",
                          f"thay câu trả lời {uid}, nhưng câu đó không được đánh dấu là đã bị thay (dấu đã bị sửa)",
                          column="replaced")
    return chainhead.check_tail(store.query, ANSWERS)
