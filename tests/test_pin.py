"""The manager PIN: slow salted hashes, no default, lockout after five wrong tries."""

from __future__ import annotations

import hashlib

import pytest

from kiosk.pin import (FAILURES_SETTING, LOCKED_UNTIL_SETTING, LOCKOUT_S, SETTING, Attempt, PinError, PinPad, hash_pin,
                       verify_pin)
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
    assert not pad.is_set and pad.attempt("0000") == Attempt.UNSET and pad.attempt("1234") == Attempt.UNSET


def test_five_wrong_tries_lock_the_pad_for_five_minutes():
    now = [1000.0]
    pad = PinPad(lambda: hash_pin("2468", b"\x02" * 16), clock=lambda: now[0])
    assert [pad.attempt("1111") for _ in range(4)] == [Attempt.WRONG] * 4
    assert pad.attempt("1111") == Attempt.LOCKED
    assert pad.attempt("2468") == Attempt.LOCKED  # even the right PIN, while locked
    now[0] += LOCKOUT_S - 1
    assert pad.attempt("2468") == Attempt.LOCKED
    now[0] += 2
    assert pad.attempt("2468") == Attempt.OK


def test_set_pin_stores_a_hash_never_the_pin(config_path, config):
    out = run_cli("set-pin", "--stdin", config=config_path, input="97531\n97531\n")
    assert out.returncode == 0, out.stderr
    from kiosk.store import VoteStore
    with VoteStore.from_config(config) as store:
        stored = store.get_setting("manager_pin")
    assert stored.startswith("scrypt$") and "97531" not in stored and verify_pin("97531", stored)
    mismatch = run_cli("set-pin", "--stdin", config=config_path, input="1111\n2222\n")
    assert mismatch.returncode == 1 and "do not match" in mismatch.stderr


def _pad_on(store, now, wall):
    pad = PinPad(lambda: store.get_setting(SETTING), clock=lambda: now[0], wall=lambda: wall[0])
    pad.remember_in(store)
    return pad


def test_failed_tries_and_the_lock_out_survive_a_restart_in_the_store_file(store):
    store.set_setting(SETTING, hash_pin("2468", b"\x03" * 16))
    now, wall = [50.0], [1_800_000_000.0]
    pad = _pad_on(store, now, wall)
    assert [pad.attempt("1111") for _ in range(3)] == [Attempt.WRONG] * 3
    assert store.get_setting(FAILURES_SETTING) == "3"
    assert _pad_on(store, [7.0], wall).attempt("1111") == Attempt.WRONG  # a restart: the fourth try, not the first
    restarted = _pad_on(store, [9.0], wall)
    assert restarted.attempt("1111") == Attempt.LOCKED
    assert float(store.get_setting(LOCKED_UNTIL_SETTING)) == wall[0] + LOCKOUT_S
    again = _pad_on(store, [3.0], [wall[0] + 60])  # restarted a minute later: four minutes left
    assert again.attempt("2468") == Attempt.LOCKED and again.locked_for() == LOCKOUT_S - 60
    after = _pad_on(store, [4.0], [wall[0] + LOCKOUT_S + 1])
    assert after.attempt("2468") == Attempt.OK and store.get_setting(LOCKED_UNTIL_SETTING) == "0.0"


def test_a_wall_clock_set_backwards_never_locks_longer_than_the_lock_out_from_now(store):
    store.set_setting(SETTING, hash_pin("2468", b"\x04" * 16))
    wall = [1_800_000_000.0]
    pad = _pad_on(store, [10.0], wall)
    for _ in range(5):
        pad.attempt("1111")
    assert pad.locked_for() == LOCKOUT_S
    wall[0] -= 86_400  # the clock was set back a day while locked
    after_restart = _pad_on(store, [0.0], wall)
    assert after_restart.locked_for() == LOCKOUT_S  # not a day and five minutes
    assert float(store.get_setting(LOCKED_UNTIL_SETTING)) == wall[0] + LOCKOUT_S  # an end it can reach
    now = [100.0]
    same_run = PinPad(lambda: store.get_setting(SETTING), clock=lambda: now[0], wall=lambda: wall[0])
    same_run.remember_in(store)
    now[0] += 240
    wall[0] -= 3600  # set back again within the run: the monotonic countdown goes on
    same_run.remember_in(store)  # the pad opened again
    assert same_run.locked_for() == LOCKOUT_S - 240


def test_an_unreadable_stored_state_starts_with_no_failed_tries(store):
    store.set_setting(SETTING, hash_pin("2468", b"\x05" * 16))
    store.set_setting(FAILURES_SETTING, "lots")
    pad = _pad_on(store, [0.0], [1_800_000_000.0])
    assert pad.locked_for() == 0 and pad.attempt("2468") == Attempt.OK
