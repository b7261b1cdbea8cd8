"""The hash chains: what a chained row kind is, its canonical encoding, the one verifier and the
one wording of every way a chain can stop holding.

A chained row kind is a declaration (:class:`ChainKind`): its name, its nouns in English and
Vietnamese, its encoding tag, its hashed fields and its derived columns. Votes (:data:`VOTES`) and
questionnaire answers (:data:`ANSWERS`) are the two instances; a new kind is one more declaration,
not a copy of the verifier. ``docs/vote-store.md`` and ``docs/questionnaire.md`` document the
encodings (with worked examples) and the wording below.

Canonical encoding: the JSON array ``[tag, *hashed fields]`` serialised with no whitespace
(``separators=(",", ":")``), non-ASCII characters written as themselves (not ``\\u`` escapes),
then encoded as UTF-8; absent fields are JSON ``null``. A row's ``hash`` is the lower-case hex
SHA-256 of those bytes; its ``prev_hash`` (the last hashed field) is the hash of the row before
it, 64 zeros for ``seq`` 1.

Beside the hashed fields a row has *derived* columns (``local_date``, ``ts_ms``), stored for the
indexes reports group by. They are not in the hash; the verifier recomputes them from the hashed
``local_time`` (:data:`DERIVATIONS`), so an edit that moves a row to another day or quarter is
caught like any other.

Two wordings, each defined once here: the device's (``verify``, the report's Kiểm chứng), as the
two docs above print it, in Vietnamese with the English detail (:class:`ChainBreak`); and the
central service's receipt issues (``edited``/``break``/``gap``, :func:`edit_issue`,
:func:`link_issue`, :func:`gap_detail`), whose texts are part of the sync contract
(``docs/sync-protocol.md``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from operator import itemgetter, methodcaller, mul
from typing import Any, Callable, Iterable, Mapping, Sequence

GENESIS_HASH = "0" * 64

# The fields of a vote that the hash covers, in canonical order (after the version tag).
HASHED_FIELDS = (
    "seq", "uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source",
    "local_time", "box_seq", "flag", "prev_hash",
)
# The fields of a questionnaire answer that the hash covers, in canonical order.
ANSWER_HASHED_FIELDS = ("seq", "uuid", "response_uuid", "kiosk_id", "questionnaire_id", "version", "definition_hash",
                        "channel", "counter_id", "question_id", "choice", "text", "replaces", "local_time", "prev_hash")

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str


def reference_encoding(values: Sequence[Any], tag: str) -> bytes:
    """The canonical encoding by way of the json module: the definition every faster encoder must equal."""
    return _dumps([tag, *values]).encode("utf-8")


def encode_values(values: Sequence[Any], tag: str) -> bytes:
    """The canonical encoding of hashed fields given in order, whatever their types.

    Written out by hand for speed; a property test holds it byte-equal to :func:`reference_encoding`.
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


# Each derived column and how it follows from the hashed local_time, over a page of times at once
# (the loops run in C: verify derives both columns of every vote of every year). The record path and
# the verifier both use these, one value or a page at a time.
_DAY = itemgetter(slice(0, 10))
_HEXDIGEST = methodcaller("hexdigest")


def local_dates(local_times: Iterable[str]) -> list[str]:
    """The local day (``YYYY-MM-DD``) of each ISO local time: the ``local_date`` of votes and answers."""
    return list(map(_DAY, local_times))


def ts_ms_list(local_times: Iterable[str]) -> list[int]:
    """``round(datetime.fromisoformat(t).timestamp() * 1000)`` of each ISO local time with its offset
    (UTC epoch milliseconds): a vote's ``ts_ms``."""
    return list(map(round, map(mul, map(datetime.timestamp, map(datetime.fromisoformat, local_times)), repeat(1000))))


def local_date_of(local_time: str) -> str:
    """The local day of one ISO local time (:func:`local_dates`)."""
    return local_dates([local_time])[0]


def ts_ms_of(local_time: str) -> int:
    """The ``ts_ms`` of one ISO local time (:func:`ts_ms_list`)."""
    return ts_ms_list([local_time])[0]


DERIVATIONS: dict[str, Callable[[Iterable[str]], list]] = {"local_date": local_dates, "ts_ms": ts_ms_list}


_NONE = type(None)


def _field_of_page(values: Sequence[Any], is_int: bool, optional: bool) -> tuple[str, Sequence[Any] | None]:
    """One hashed field over a page of rows: ``(its place in a %-template, the values to put there)``,
    so that ``template % row`` is the canonical encoding. A field with one value on the whole page (the
    kiosk, the questionnaire, often the counter) is written into the template itself (values None).

    TypeError when a value is not of the field's declared type: the caller then encodes row by row
    with :func:`encode_values`, which takes anything (a tampered row must still get the exact hash).
    """
    if is_int and not set(map(type, values)) <= ({int, _NONE} if optional else {int}):
        raise TypeError("not an integer")
    first = values[0]
    # One value on the whole page: equal and of one type (1 == 1.0 == True, yet each is written apart).
    # (The last value first: a column that varies mostly differs there, and count() would read it all.)
    if (is_int or first is None or type(first) is str) and values[-1] == first and values.count(first) == len(values):
        return encode_values([first], "")[4:-1].decode("utf-8").replace("%", "%%"), None
    if not is_int and not optional:
        # json.dumps (ensure_ascii=False) escapes only '"', '\\' and control characters, none of them
        # printable: text without them is written as is. (join raises TypeError on anything but a str.)
        text = "".join(values)
        if '"' in text or "\\" in text or not text.isprintable():
            return "%s", list(map(_quote, values))
        return '"%s"', values  # the common case: no call per value
    if optional:  # few distinct values (mostly null): each encoded once
        encoded = {v: ("null" if v is None else v if is_int else _quote(v)) for v in set(values)}
        return "%s", list(map(encoded.__getitem__, values))
    return "%s", values


@dataclass(frozen=True)
class ChainKind:
    """A chained row kind: everything the encoding, the verifier and the wording need to know of it."""

    name: str                        # the chain's name: its table on the kiosk, its row in chain_heads
    noun: str                        # one row in English: "vote"
    article: str                     # "a" or "an", before the noun
    noun_vi: str                     # one row in Vietnamese: "phiếu"
    tag: str                         # the encoding's version tag, first in the canonical array
    hashed: tuple[str, ...]          # the hashed fields in canonical order: seq first, prev_hash last
    ints: frozenset[str]             # hashed fields that are JSON integers (the rest are strings)
    optional: frozenset[str]         # hashed fields that may be null
    derived: tuple[str, ...]         # stored columns recomputed from local_time (:data:`DERIVATIONS`)

    def __post_init__(self):
        # The verifier reads seq, uuid and prev_hash by position.
        assert self.hashed[0] == "seq" and self.hashed[1] == "uuid" and self.hashed[-1] == "prev_hash"

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns a verifier reads, in order: the hashed fields, ``hash``, the derived columns."""
        return (*self.hashed, "hash", *self.derived)

    def encode(self, row: Mapping[str, Any]) -> bytes:
        """The canonical encoding of a row given as a mapping of its fields."""
        return encode_values([row.get(name) for name in self.hashed], self.tag)

    def hash(self, row: Mapping[str, Any]) -> str:
        """A row's own hash: hex SHA-256 of :meth:`encode`."""
        return hashlib.sha256(self.encode(row)).hexdigest()

    def hash_values(self, values: Sequence[Any]) -> str:
        """The hash of the hashed fields given as a sequence in :attr:`hashed` order (the record path's)."""
        return hashlib.sha256(encode_values(values[:len(self.hashed)], self.tag)).hexdigest()

    def hash_rows(self, rows: Sequence[Sequence[Any]]) -> list[str]:
        """The hash of each row of a page (sequences whose first values are the hashed fields, in order).

        The same bytes as :meth:`hash_values` row by row (a property test holds them equal), made a
        field at a time over the whole page so the loops run in C: verify re-hashes years of rows.
        """
        return self._hash_columns(list(zip(*rows)), rows) if rows else []

    def _hash_columns(self, columns: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]] | None = None
                      ) -> list[str]:
        """:meth:`hash_rows` of a page already turned into columns (``columns``), which the verifier shares
        (``rows``: the same page as rows, when the caller has it)."""
        try:
            fields = [_field_of_page(values, name in self.ints, name in self.optional)
                      for name, values in zip(self.hashed, columns)]
        except TypeError:  # a value not of its field's type (a tampered row): the exact, slow way
            return [self.hash_values(row) for row in (rows if rows is not None else list(zip(*columns)))]
        template = f'["{self.tag}",' + ",".join(place for place, _ in fields) + "]"
        varying = [values for _, values in fields if values is not None]
        sha256 = hashlib.sha256
        if not varying:  # one row, or rows all alike
            return [sha256((template % ()).encode("utf-8")).hexdigest()] * len(columns[0])
        return list(map(_HEXDIGEST, map(sha256, map(str.encode, map(template.__mod__, zip(*varying))))))


VOTES = ChainKind("votes", "vote", "a", "phiếu", "v1", HASHED_FIELDS, frozenset({"seq", "box_seq"}),
                  frozenset({"officer", "box_seq", "flag"}), ("local_date", "ts_ms"))
ANSWERS = ChainKind("q_answers", "answer", "an", "câu trả lời", "qa1", ANSWER_HASHED_FIELDS,
                    frozenset({"seq", "version"}), frozenset({"counter_id", "choice", "text", "replaces"}),
                    ("local_date",))
KINDS = (VOTES, ANSWERS)


# --- the device's wording: where a chain stops holding ------------------------------------------

class ChainBreak(Exception):
    """Where and how a chain stops holding, as ``verify`` prints it.

    ``reason`` is English and technical; ``vi`` says the same in Vietnamese with where it is
    ("tại phiếu số 3: …"). ``column`` names a stored column that was edited (a derived column,
    ``replaced``), if that is the break. ``str()`` is the English line: "vote seq 3 (uuid …): …".
    """

    def __init__(self, kind: ChainKind, seq: int, uuid: str | None, reason: str, vi: str,
                 column: str | None = None):
        self.kind, self.seq, self.uuid, self.reason, self.vi, self.column = kind, seq, uuid, reason, vi, column
        super().__init__(f"{kind.noun} seq {seq}" + (f" (uuid {uuid})" if uuid else "") + f": {reason}")


def at_row(kind: ChainKind, seq: int, uuid: str | None, reason: str, what_vi: str,
           column: str | None = None) -> ChainBreak:
    """A break found at one row: ``what_vi`` is the Vietnamese after "tại <row> số <seq>: "."""
    return ChainBreak(kind, seq, uuid, reason, f"tại {kind.noun_vi} số {seq}: {what_vi}", column)


def _range(first: int, last: int, dash: str = "-") -> str:
    return f"{first}" if first == last else f"{first}{dash}{last}"


def gap(kind: ChainKind, prev_seq: int, seq: int, uuid: str | None) -> ChainBreak:
    """Rows ``prev_seq + 1`` to ``seq - 1`` are missing before row ``seq`` (deleted)."""
    n, v = kind.noun, kind.noun_vi
    return at_row(kind, seq, uuid, f"sequence gap: {n}(s) {_range(prev_seq + 1, seq - 1)} missing (deleted?)",
                  f"thiếu {v} số {_range(prev_seq + 1, seq - 1, '–')} (đã bị xoá?)")


def goes_back(kind: ChainKind, prev_seq: int, seq: int, uuid: str | None) -> ChainBreak:
    """Row ``seq`` comes after row ``prev_seq`` although it is not higher."""
    return at_row(kind, seq, uuid, f"sequence goes back from {prev_seq}",
                  f"số thứ tự lùi lại sau {kind.noun_vi} số {prev_seq}")


def broken_link(kind: ChainKind, seq: int, uuid: str | None) -> ChainBreak:
    """Row ``seq``'s ``prev_hash`` is not the hash of the row before it."""
    n, v = kind.noun, kind.noun_vi
    return at_row(kind, seq, uuid, f"prev_hash does not match the hash of the {n} before it "
                                   f"({kind.article} {n} before it was deleted or replaced)",
                  f"mã băm của {v} trước không khớp (một {v} trước nó đã bị xoá hoặc bị thay)")


def edited(kind: ChainKind, seq: int, uuid: str | None) -> ChainBreak:
    """Row ``seq``'s hash does not match its fields."""
    return at_row(kind, seq, uuid, f"hash does not match the {kind.noun}'s fields (the {kind.noun} was edited)",
                  f"mã băm không khớp ({kind.noun_vi} đã bị sửa)")


def derived_edited(kind: ChainKind, seq: int, uuid: str | None, column: str, stored: Any, expected: Any,
                   local_time: Any) -> ChainBreak:
    """A derived column of row ``seq`` does not follow from its hashed ``local_time``."""
    return at_row(kind, seq, uuid, f"{column} is {stored!r} but its local_time {local_time} gives {expected!r} "
                                   "(the column was edited: reports group by it)",
                  f"cột {column} là {stored} nhưng thời điểm ghi (local_time) {local_time} cho {expected} "
                  "(cột đã bị sửa: báo cáo tính theo cột này)", column=column)


def wrong_derived(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[str, Any, Any] | None:
    """The first of ``columns`` whose stored value is not what the row's ``local_time`` gives, as
    ``(column, stored, expected)``; None when every one matches."""
    local_time = row["local_time"]
    for column in columns:
        try:
            expected = DERIVATIONS[column]([local_time])[0]
        except (TypeError, ValueError, OverflowError, OSError):
            expected = None  # a local_time that is not a time: nothing stored can match it
        if row[column] != expected or expected is None:
            return column, row[column], expected
    return None


# The cut tail, against the chain head the kiosk records with each row (kiosk/chainhead.py).

def head_table_missing(kind: ChainKind, table: str) -> ChainBreak:
    """The table of chain heads is gone, so a cut tail cannot be seen."""
    return ChainBreak(kind, 0, None, f"the chain head table {table} is missing (dropped?)",
                      f"bảng đầu chuỗi {table} bị mất (đã bị xoá?)")


def head_missing(kind: ChainKind, last_seq: int, uuid: str | None) -> ChainBreak:
    """The chain has rows but no recorded head."""
    n, v = kind.noun, kind.noun_vi
    return ChainBreak(kind, last_seq, uuid, f"the chain head record of the {n}s is missing (deleted?), "
                                            "so a cut tail could not be seen",
                      f"bản ghi đầu chuỗi {v} bị mất (đã bị xoá?), nên không kiểm được {v} cuối có bị xoá hay không")


def tail_cut(kind: ChainKind, last_seq: int, head_seq: int) -> ChainBreak:
    """The rows after ``last_seq`` up to the recorded head were deleted."""
    n, v, count = kind.noun, kind.noun_vi, head_seq - last_seq
    return ChainBreak(kind, last_seq + 1, None,
                      f"the last {count} {n}(s) after seq {last_seq} were deleted ({n} "
                      f"{_range(last_seq + 1, head_seq)} missing; the chain head records {n} {head_seq})",
                      f"sau {v} số {last_seq}: {count} {v} cuối cùng (số {_range(last_seq + 1, head_seq, '–')}) "
                      f"đã bị xoá (đầu chuỗi ghi đến {v} số {head_seq})")


def tail_added(kind: ChainKind, head_seq: int, last_seq: int) -> ChainBreak:
    """Rows after the recorded head were added by something other than the kiosk software."""
    n, v, count = kind.noun, kind.noun_vi, last_seq - head_seq
    return ChainBreak(kind, head_seq + 1, None,
                      f"{count} {n}(s) after seq {head_seq} were added outside the kiosk software "
                      f"(the chain head records {n} {head_seq}, the last is {last_seq})",
                      f"sau {v} số {head_seq}: {count} {v} được thêm vào ngoài phần mềm ki-ốt "
                      f"(đầu chuỗi chỉ ghi đến {v} số {head_seq}, {v} cuối là số {last_seq})")


def tail_replaced(kind: ChainKind, last_seq: int, uuid: str | None) -> ChainBreak:
    """The last row is not the one whose hash the head records."""
    n, v = kind.noun, kind.noun_vi
    return at_row(kind, last_seq, uuid, f"the last {n} is not the one recorded: its hash differs from the chain "
                                        "head's (it was replaced, or the chain's hashes were recomputed)",
                  f"{v} cuối không phải {v} đã ghi, mã băm khác với đầu chuỗi "
                  "(đã bị thay, hoặc chuỗi đã bị tính lại mã băm)")


def tail_issue(kind: ChainKind, head: tuple[int, str] | None, last: tuple[int, str, str | None] | None
               ) -> ChainBreak | None:
    """Compare the chain's last row ``(seq, hash, uuid)`` with its recorded head ``(seq, hash)``;
    None when they agree (or when there is neither)."""
    last_seq, last_hash, last_uuid = last if last is not None else (0, None, None)
    if head is None:
        return head_missing(kind, last_seq, last_uuid) if last_seq else None
    head_seq, head_hash = head
    if last_seq < head_seq:
        return tail_cut(kind, last_seq, head_seq)
    if last_seq > head_seq:
        return tail_added(kind, head_seq, last_seq)
    if last_hash != head_hash:
        return tail_replaced(kind, last_seq, last_uuid)
    return None


# --- the one verifier ---------------------------------------------------------------------------

class ChainVerifier:
    """Checks one kind's rows page by page, in sequence order, as they are read from a store.

    :meth:`check_rows` takes tuples in :attr:`ChainKind.columns` order (hashed fields, ``hash``, and
    the derived columns when ``derived``) and returns the first :class:`ChainBreak`, or None when
    every row follows from the one before. A page that holds is checked with whole-page comparisons
    (the common case: a chain nobody touched); only a page that does not is walked row by row to
    name the first break, so both paths give the same answer.
    """

    def __init__(self, kind: ChainKind, prev_seq: int = 0, prev_hash: str = GENESIS_HASH, derived: bool = True):
        self.kind, self.prev_seq, self.prev_hash, self.derived = kind, prev_seq, prev_hash, derived
        self.count = 0
        n = len(kind.hashed)
        self._prev_i, self._hash_i = n - 1, n
        self._derived = [(n + 1 + i, c, DERIVATIONS[c]) for i, c in enumerate(kind.derived)] if derived else []
        self._time_i = kind.hashed.index("local_time")

    def check_rows(self, rows: Sequence[Sequence[Any]], columns: Sequence[Sequence[Any]] | None = None
                   ) -> ChainBreak | None:
        """Check a page of rows following the rows already checked; the first break, or None.
        ``columns``: the page already turned into columns (``list(zip(*rows))``), when the caller has it."""
        if not rows:
            return None
        columns = columns if columns is not None else list(zip(*rows))
        seqs, prevs, hashes = columns[0], columns[self._prev_i], columns[self._hash_i]
        ok = (seqs[0] == self.prev_seq + 1 and seqs[-1] - seqs[0] == len(rows) - 1  # seq is the key: unique
              and prevs[0] == self.prev_hash and prevs[1:] == hashes[:-1]
              and self.kind._hash_columns(columns, rows) == list(hashes)
              and all(self._derived_ok(columns[i], derive, columns[self._time_i]) for i, _, derive in self._derived))
        if not ok:
            return self._first_break(rows)
        self.prev_seq, self.prev_hash = seqs[-1], hashes[-1]
        self.count += len(rows)
        return None

    @staticmethod
    def _derived_ok(stored: Sequence[Any], derive: Callable[[Sequence[str]], list], times: Sequence[Any]) -> bool:
        try:
            return derive(times) == list(stored)
        except (TypeError, ValueError, OverflowError, OSError):  # not a time: the row-by-row walk names it
            return False

    def _first_break(self, rows: Sequence[Sequence[Any]]) -> ChainBreak | None:
        kind = self.kind
        for row in rows:
            seq, uuid = row[0], row[1]
            if seq != self.prev_seq + 1:
                if seq > self.prev_seq + 1:
                    return gap(kind, self.prev_seq, seq, uuid)
                return goes_back(kind, self.prev_seq, seq, uuid)
            if row[self._prev_i] != self.prev_hash:
                return broken_link(kind, seq, uuid)
            if kind.hash_values(row) != row[self._hash_i]:
                return edited(kind, seq, uuid)
            if self._derived:
                wrong = wrong_derived(dict(zip(kind.columns, row)), kind.derived)
                if wrong is not None:
                    return derived_edited(kind, seq, uuid, *wrong, row[self._time_i])
            self.prev_seq, self.prev_hash = seq, row[self._hash_i]
            self.count += 1
        return None


# --- the central service's wording: receipt issues (a contract: docs/sync-protocol.md) ------------

def edit_issue(kind: ChainKind, row: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``edited`` issue when a received row's hash does not match its fields, else None."""
    if kind.hash_values([row[f] for f in kind.hashed]) == row["hash"]:
        return None
    return _edited_issue(kind, row)


def edit_issues(kind: ChainKind, rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str] | None]:
    """:func:`edit_issue` of each received row, the rows hashed a page at a time (:meth:`ChainKind.hash_rows`'s
    loops in C: the service checks every vote it receives, and hashing one row at a time was most of
    its ingest)."""
    if not rows:
        return []
    columns = [list(map(itemgetter(f), rows)) for f in kind.hashed]
    hashes = kind._hash_columns(columns)
    return [None if h == row["hash"] else _edited_issue(kind, row) for h, row in zip(hashes, rows)]


def _edited_issue(kind: ChainKind, row: Mapping[str, Any]) -> tuple[str, str]:
    return ("edited", f"{kind.noun} {row['seq']}'s hash does not match its fields: it was edited on the device")


def link_issue(kind: ChainKind, row: Mapping[str, Any], before: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The ``break`` between a received row and the kiosk's row just before it (seq - 1), or None.

    ``before`` is None for seq 1 (whose predecessor is the genesis hash); call this only when the
    row before is held — a missing one is a gap, not a break.
    """
    expected = GENESIS_HASH if before is None else before["hash"]
    if row["prev_hash"] == expected:
        return None
    seq, n = row["seq"], kind.noun
    return ("break", f"prev_hash of {n} {seq} does not match the hash of {n} {seq - 1}: {n} {seq - 1} "
                     f"was replaced, or {n}s between were removed")


def gap_detail(kind: ChainKind, first: int, last: int) -> str:
    """How a gap of missing sequence numbers reads in a receipt or a report."""
    return f"{kind.noun}(s) {_range(first, last)} missing: deleted on the device, or not sent yet"
