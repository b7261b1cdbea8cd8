"""The manager PIN: slow salted hashes, no default, lockout after five wrong tries."""

from __future__ import annotations

import hashlib

import pytest

from kiosk.pin import LOCKOUT_S, PinError, PinPad, hash_pin, verify_pin
from tests.conftest import run_cli


def test_a_pin_hash_is_scrypt_salted_and_verifies():
    stored = hash_pin("2468", salt=b"\x01" * 16)
    kind, n, r, p, salt, digest = stored.split("$")
    assert (kind, n, r, p, salt) == ("scrypt", "16384", "8", "1", "01" * 16)
    # the same derivation written independently from the documented parameters
    assert digest == hashlib.scrypt(b"2468", salt=b"\x01" * 16, n=16384, r=8, p=1, dklen=32).hex()
    assert verify_pin("2468", stored) and not verify_pin("2469", stored)
    assert hash_pin("2468") != hash_pin("2468")  # a fresh salt each time


@pytest.mark.parametrize("bad", ["123", "123456789", "12a4", "", "１２３４"])
def test_only_four_to_eight_ascii_digits_make_a_pin(bad):
    with pytest.raises(PinError):
        hash_pin(bad)


def test_without_a_stored_pin_nothing_opens_the_pad():
    pad = PinPad(lambda: None)
    assert not pad.is_set and pad.attempt("0000") == "unset" and pad.attempt("1234") == "unset"


def test_five_wrong_tries_lock_the_pad_for_five_minutes():
    now = [1000.0]
    pad = PinPad(lambda: hash_pin("2468", b"\x02" * 16), clock=lambda: now[0])
    assert [pad.attempt("1111") for _ in range(4)] == ["wrong"] * 4
    assert pad.attempt("1111") == "locked"
    assert pad.attempt("2468") == "locked"  # even the right PIN, while locked
    now[0] += LOCKOUT_S - 1
    assert pad.attempt("2468") == "locked"
    now[0] += 2
    assert pad.attempt("2468") == "ok"


def test_set_pin_stores_a_hash_never_the_pin(config_path, config):
    out = run_cli("set-pin", "--stdin", config=config_path, input="97531\n97531\n")
    assert out.returncode == 0, out.stderr
    from kiosk.store import VoteStore
    with VoteStore.from_config(config) as store:
        stored = store.get_setting("manager_pin")
    assert stored.startswith("scrypt$") and "97531" not in stored and verify_pin("97531", stored)
    mismatch = run_cli("set-pin", "--stdin", config=config_path, input="1111\n2222\n")
    assert mismatch.returncode == 1 and "do not match" in mismatch.stderr
