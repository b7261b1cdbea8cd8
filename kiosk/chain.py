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
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

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


def reference_encoding(values: list[Any]) -> bytes:
    """The canonical encoding by way of the json module: the definition :func:`encode_values` must equal."""
    return _dumps([ENCODING_VERSION, *values]).encode("utf-8")


def encode_values(values: list[Any]) -> bytes:
    """The canonical encoding of the hashed fields given as a list in :data:`HASHED_FIELDS` order.

    Written out by hand for speed (a million demo votes, a month of backlog); a property test holds
    it byte-equal to :func:`reference_encoding` for every value a vote can have.
    """
    parts = ['["v1"']
    for v in values:
        if v is None:
            parts.append("null")
        elif type(v) is int:
            parts.append(str(v))
        elif type(v) is str:
            parts.append(_quote(v))
        else:  # anything unusual goes the slow, exact way
            return reference_encoding(values)
    return (",".join(parts) + "]").encode("utf-8")


def hash_values(values: list[Any]) -> str:
    """Hex SHA-256 of :func:`encode_values` — the fast path for recording many votes."""
    return hashlib.sha256(encode_values(values)).hexdigest()


def vote_hash(vote: Mapping[str, Any]) -> str:
    """The vote's own hash: hex SHA-256 of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(vote)).hexdigest()


class ChainBreak(Exception):
    """Where and how a chain of votes stops holding."""

    def __init__(self, seq: int, uuid: str | None, reason: str):
        self.seq, self.uuid, self.reason = seq, uuid, reason
        super().__init__(f"vote seq {seq}" + (f" (uuid {uuid})" if uuid else "") + f": {reason}")


class ChainVerifier:
    """Checks votes one at a time, in sequence order, as they are streamed from a store or a batch.

    Call :meth:`check` with each vote (a mapping with the hashed fields and ``hash``); it raises
    :class:`ChainBreak` at the first vote that does not follow from the one before.
    """

    def __init__(self, prev_seq: int = 0, prev_hash: str = GENESIS_HASH):
        self.prev_seq = prev_seq
        self.prev_hash = prev_hash
        self.count = 0

    def check(self, vote: Mapping[str, Any]) -> None:
        """Verify one vote against its predecessor; raise :class:`ChainBreak` if it does not follow."""
        seq, uuid = vote["seq"], vote.get("uuid")
        if seq != self.prev_seq + 1:
            missing = f"{self.prev_seq + 1}" if seq == self.prev_seq + 2 else f"{self.prev_seq + 1}-{seq - 1}"
            raise ChainBreak(seq, uuid, f"sequence gap: vote(s) {missing} missing (deleted?)"
                             if seq > self.prev_seq + 1 else f"sequence goes back from {self.prev_seq}")
        if vote["prev_hash"] != self.prev_hash:
            raise ChainBreak(seq, uuid, "prev_hash does not match the hash of the vote before it "
                             "(a vote before it was deleted or replaced)")
        if vote_hash(vote) != vote["hash"]:
            raise ChainBreak(seq, uuid, "hash does not match the vote's fields (the vote was edited)")
        self.prev_seq, self.prev_hash = seq, vote["hash"]
        self.count += 1
