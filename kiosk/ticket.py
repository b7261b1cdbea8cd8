"""A rating tied to a transaction (issue 18): the ticket or dossier number, kept only as a keyed hash.

When ``[kiosk] ticket`` is ``ask`` or ``require`` the citizen gives the number of the transaction just
served — typed on the screen's keypad, or scanned from the receipt by a USB scanner — before rating. The
number is turned at once into ``ticket_hash``: lower-case hex HMAC-SHA-256 of the local day and the number
under this kiosk's own key. Only that hash is stored beside the vote and synced; the number itself is
never written anywhere (store, log, wire).

**Whose key.** A key made once on this kiosk, kept in its data folder (:data:`KEY_FILE`, owner-only), never
sent. The central service cannot recompute a hash, so it cannot match a rating to a dossier of the
one-stop system, nor to the citizen behind it: ratings stay anonymous ("Việc cần khắc phục" never
identifies a citizen). A key the service knew (the sync secret, a commune's key) would let anyone holding
it hash every dossier number of the day and read off who rated what; ticket numbers are short, so a plain
or widely known key hides nothing. What the service needs — that a number is rated once, and how many
ratings are tied to a transaction — the kiosk decides at the vote (the ``same_ticket`` flag, in the hash
chain) and the hash's presence says. The same number on another kiosk gives another hash: the two are not
linked (each kiosk stands at its own counters; a centre's kiosks do not share numbers' fates).

**Per day.** The local day is hashed with the number, so one number is one rating *a day*: a queue
ticket's number starts again each morning, and a dossier served twice (handed in, then its result
collected) is two visits to the counter, each to be rated. Within the day a second rating with the same
number is kept and flagged ``same_ticket``, never counted (:mod:`rating.rate`).

The key is not in the store, so a backup of the store on a USB stick gives no one the means to test
numbers against its hashes. A kiosk restored onto a new card makes a new key: a number rated before and
again after the restore on the same day would then count twice (a restore happens once in years).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from datetime import date
from pathlib import Path

KEY_FILE = "ticket.key"       # in the data folder: 64 hex digits, the kiosk's own HMAC key
MODES = ("off", "ask", "require")   # [kiosk] ticket: off (default), ask (with "Bỏ qua"), require
MAX_LENGTH = 40               # a dossier code such as 000.00.12.H37-240115-0001 is 25 characters
_NUMBER_RE = re.compile(r"^[0-9A-Z./_-]{1,%d}\Z" % MAX_LENGTH)
_KEY_RE = re.compile(r"^[0-9a-f]{64}\Z")


class TicketKeyError(Exception):
    """The kiosk's ticket key cannot be read or made; the message names the file and the fix."""


def normalise(text: str) -> str:
    """A number as typed or scanned, in the one form that is hashed: without spaces, in capitals (a
    scanner's case follows the keyboard's Caps Lock)."""
    return "".join(text.split()).upper()


def number_problem(text: str) -> str | None:
    """What is wrong with a ticket or dossier number (after :func:`normalise`), or None: 1-40 letters,
    digits and . / _ -."""
    number = normalise(text)
    if not number:
        return "is empty"
    if len(number) > MAX_LENGTH:
        return f"is longer than {MAX_LENGTH} characters"
    if not _NUMBER_RE.match(number):
        return "may hold only letters, digits and . / _ -"
    return None


def ticket_hash(key: bytes, number: str, day: date) -> str:
    """The keyed hash stored for ``number`` given on local ``day``: hex HMAC-SHA-256 of ``YYYY-MM-DD`` and
    the normalised number, a line feed between. ValueError for a number :func:`number_problem` refuses."""
    problem = number_problem(number)
    if problem:
        raise ValueError(f"the ticket number {problem}")
    message = f"{day.isoformat()}\n{normalise(number)}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def load_key(data_dir: Path) -> bytes:
    """This kiosk's ticket key from ``<data_dir>/ticket.key``, made there (owner-only) the first time.

    A file that is there but unreadable or not 64 hex digits is refused, never replaced: a new key would
    let every number of the day be rated again."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        # Written whole beside it, then linked into place: a second process sees no key or the whole key.
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, (os.urandom(32).hex() + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass   # another process made it first: theirs is the key
        except OSError as e:
            raise TicketKeyError(f"{path}: cannot make the ticket key: {e.strerror or e}; the data folder must be "
                                 "writable by the kiosk's user") from None
        finally:
            tmp.unlink(missing_ok=True)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise TicketKeyError(f"{path}: cannot read the ticket key: {getattr(e, 'strerror', None) or e}") from None
    if not _KEY_RE.match(text):
        raise TicketKeyError(f"{path}: is not a ticket key (64 hex digits expected); it is not replaced, since a "
                             "new key would let today's numbers be rated again: restore it, or delete it to make "
                             "a new one")
    return bytes.fromhex(text)
