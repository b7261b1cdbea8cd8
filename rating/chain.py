"""The hash chain over votes: a canonical encoding of a vote's fields and its SHA-256.

Each vote stores the hash of the vote before it (``prev_hash``) and its own hash over the
canonical encoding below, so deleting or editing a stored vote breaks the chain at that point.
The encoding is a contract shared with the central service; ``docs/vote-store.md`` documents it
with a worked example.

Canonical encoding (version ``v1``): the JSON array

    ["v1", seq, uuid, kiosk_id, counter_id, officer, level, scale, source, local_time, box_seq,
     flag, prev_hash]

serialised with no whitespace (``separators=(",", ":")``), non-ASCII characters written as
themselves (not ``\\u`` escapes), then encoded as UTF-8. Absent optional fields (officer, box_seq,
flag) are JSON ``null``. The hash is the lower-case hex SHA-256 of those bytes.

Beside the hashed fields a vote has *derived* columns (``local_date``, ``ts_ms``), stored for the
indexes the reports group by. They are not in the hash; the verifier recomputes them from the
hashed ``local_time`` (:data:`DERIVATIONS`), so an edit that moves a vote to another day or quarter
is caught like any other.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

ENCODING_VERSION = "v1"
GENESIS_HASH = "0" * 64

# The fields of a vote that the hash covers, in canonical order (after the version tag).
HASHED_FIELDS = (
    "seq", "uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source",
    "local_time", "box_seq", "flag", "prev_hash",
)

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str


def canonical_bytes(vote: Mapping[str, Any]) -> bytes:
    """The canonical encoding of a vote's hashed fields (see the module docstring)."""
    return encode_values([vote.get(name) for name in HASHED_FIELDS])


def reference_encoding(values: list[Any], tag: str = ENCODING_VERSION) -> bytes:
    """The canonical encoding by way of the json module: the definition :func:`encode_values` must equal."""
    return _dumps([tag, *values]).encode("utf-8")


def encode_values(values: list[Any], tag: str = ENCODING_VERSION) -> bytes:
    """The canonical encoding of the hashed fields given as a list in :data:`HASHED_FIELDS` order.

    Written out by hand for speed (a million demo votes, a month of backlog); a property test holds
    it byte-equal to :func:`reference_encoding` for every value a vote can have. ``tag``: the
    encoding's version tag (the answers' chain uses the same JSON form with ``qa1``).
    """
    parts = [f'["{tag}"']
    for v in values:
        if v is None:
            parts.append("null")
        elif type(v) is int:
            parts.append(str(v))
        elif type(v) is str:
            parts.append(_quote(v))
        else:  # anything unusual goes the slow, exact way
            return reference_encoding(values, tag)
    return (",".join(parts) + "]").encode("utf-8")


def hash_values(values: list[Any]) -> str:
    """Hex SHA-256 of :func:`encode_values` — the fast path for recording many votes."""
    return hashlib.sha256(encode_values(values)).hexdigest()


def vote_hash(vote: Mapping[str, Any]) -> str:
    """The vote's own hash: hex SHA-256 of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(vote)).hexdigest()


# The questionnaire answers' chain: the same JSON form under its own tag.
ANSWER_ENCODING_VERSION = "qa1"
ANSWER_HASHED_FIELDS = ("seq", "uuid", "response_uuid", "kiosk_id", "questionnaire_id", "version", "definition_hash",
                        "channel", "counter_id", "question_id", "choice", "text", "replaces", "local_time", "prev_hash")


def answer_canonical_bytes(answer: dict[str, Any]) -> bytes:
    """The canonical encoding of an answer's hashed fields (``docs/questionnaire.md``).

    The same hand-written JSON as the votes' (held byte-equal to ``json.dumps`` by property tests),
    for ``verify``'s speed on years of answers.
    """
    return encode_values([answer.get(f) for f in ANSWER_HASHED_FIELDS], ANSWER_ENCODING_VERSION)


def answer_hash(answer: dict[str, Any]) -> str:
    """The answer's hash: hex SHA-256 of :func:`answer_canonical_bytes`."""
    return hashlib.sha256(answer_canonical_bytes(answer)).hexdigest()


def local_date_of(local_time: str) -> str:
    """The local day (``YYYY-MM-DD``) of an ISO local time: the ``local_date`` of votes and answers."""
    return local_time[:10]


def ts_ms_of(local_time: str) -> int:
    """UTC epoch milliseconds of an ISO local time with its offset: a vote's ``ts_ms``."""
    return round(datetime.fromisoformat(local_time).timestamp() * 1000)


# Each derived column and how it follows from the hashed local_time: the one definition the
# record path writes and the verifier checks.
DERIVATIONS: dict[str, Callable[[str], Any]] = {"local_date": local_date_of, "ts_ms": ts_ms_of}
VOTE_DERIVED = ("local_date", "ts_ms")


def wrong_derived(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[str, Any, Any] | None:
    """The first of ``columns`` whose stored value is not what the row's ``local_time`` gives, as
    ``(column, stored, expected)``; None when every one matches."""
    local_time = row["local_time"]
    for column in columns:
        try:
            expected = DERIVATIONS[column](local_time)
        except (TypeError, ValueError):
            expected = None  # a local_time that is not a time: nothing stored can match it
        if row[column] != expected or expected is None:
            return column, row[column], expected
    return None


def derived_reason(column: str, stored: Any, expected: Any, local_time: Any) -> tuple[str, str]:
    """What to say about a derived column that does not follow from ``local_time``: (English, Vietnamese)."""
    return (f"{column} is {stored!r} but its local_time {local_time} gives {expected!r} "
            "(the column was edited: reports group by it)",
            f"cột {column} là {stored} nhưng thời điểm ghi (local_time) {local_time} cho {expected} "
            "(cột đã bị sửa: báo cáo tính theo cột này)")


class ChainBreak(Exception):
    """Where and how a chain of votes stops holding.

    ``reason`` is English and technical; ``vi`` says the same in Vietnamese, with where it is
    ("tại phiếu số 3: …"), for the first line ``verify`` prints. ``column`` names a derived
    column that was edited, if that is the break.
    """

    def __init__(self, seq: int, uuid: str | None, reason: str, vi: str = "", column: str | None = None):
        self.seq, self.uuid, self.reason, self.column = seq, uuid, reason, column
        self.vi = vi or f"tại phiếu số {seq}"
        super().__init__(f"vote seq {seq}" + (f" (uuid {uuid})" if uuid else "") + f": {reason}")


class ChainVerifier:
    """Checks votes one at a time, in sequence order, as they are streamed from a store or a batch.

    Call :meth:`check` with each vote (a mapping with the hashed fields and ``hash``, and the
    derived columns when it comes from the store); it raises :class:`ChainBreak` at the first vote
    that does not follow from the one before.
    """

    def __init__(self, prev_seq: int = 0, prev_hash: str = GENESIS_HASH):
        self.prev_seq = prev_seq
        self.prev_hash = prev_hash
        self.count = 0

    def check(self, vote: Mapping[str, Any]) -> None:
        """Verify one vote against its predecessor; raise :class:`ChainBreak` if it does not follow."""
        seq, uuid = vote["seq"], vote.get("uuid")
        if seq != self.prev_seq + 1:
            if seq > self.prev_seq + 1:
                missing = f"{self.prev_seq + 1}" if seq == self.prev_seq + 2 else f"{self.prev_seq + 1}-{seq - 1}"
                raise ChainBreak(seq, uuid, f"sequence gap: vote(s) {missing} missing (deleted?)",
                                 f"tại phiếu số {seq}: thiếu phiếu số {missing.replace('-', '–')} (đã bị xoá?)")
            raise ChainBreak(seq, uuid, f"sequence goes back from {self.prev_seq}",
                             f"tại phiếu số {seq}: số thứ tự lùi lại sau phiếu số {self.prev_seq}")
        if vote["prev_hash"] != self.prev_hash:
            raise ChainBreak(seq, uuid, "prev_hash does not match the hash of the vote before it "
                             "(a vote before it was deleted or replaced)",
                             f"tại phiếu số {seq}: mã băm của phiếu trước không khớp "
                             "(một phiếu trước nó đã bị xoá hoặc bị thay)")
        if vote_hash(vote) != vote["hash"]:
            raise ChainBreak(seq, uuid, "hash does not match the vote's fields (the vote was edited)",
                             f"tại phiếu số {seq}: mã băm không khớp (phiếu đã bị sửa)")
        if "local_date" in vote:
            wrong = wrong_derived(vote, VOTE_DERIVED)
            if wrong is not None:
                en, vi = derived_reason(*wrong, vote["local_time"])
                raise ChainBreak(seq, uuid, en, f"tại phiếu số {seq}: {vi}", column=wrong[0])
        self.prev_seq, self.prev_hash = seq, vote["hash"]
        self.count += 1
