"""The hash chain: the documented encoding, and what tampering looks like."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rating import chain

EXAMPLE = {
    "seq": 1, "uuid": "3f0c9a52-6f1e-4c1b-9d0e-2b7f4f1f6a10", "kiosk_id": "ninh-giang-01", "counter_id": "Q1",
    "officer": None, "level": "RHL", "scale": "sipas5", "source": "touch",
    "local_time": "2026-11-21T09:15:02.123+07:00", "box_seq": None, "flag": None, "prev_hash": "0" * 64,
}
# Written out by hand from the rules in docs/vote-store.md, not produced by the code under test.
EXAMPLE_BYTES = ('["v1",1,"3f0c9a52-6f1e-4c1b-9d0e-2b7f4f1f6a10","ninh-giang-01","Q1",null,"RHL","sipas5",'
                 '"touch","2026-11-21T09:15:02.123+07:00",null,null,'
                 '"0000000000000000000000000000000000000000000000000000000000000000"]').encode("utf-8")


def test_canonical_encoding_matches_the_documented_example_byte_for_byte():
    assert chain.VOTES.encode(EXAMPLE) == EXAMPLE_BYTES


def test_vote_hash_is_sha256_of_the_canonical_bytes():
    assert chain.VOTES.hash(EXAMPLE) == hashlib.sha256(EXAMPLE_BYTES).hexdigest()


def test_vietnamese_text_is_encoded_as_utf8_not_escaped():
    vote = {**EXAMPLE, "officer": "Lê Thị Hà"}
    assert "Lê Thị Hà".encode("utf-8") in chain.VOTES.encode(vote)


def test_the_documented_worked_example_hash_is_in_the_docs():
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "vote-store.md").read_text(encoding="utf-8")
    assert hashlib.sha256(EXAMPLE_BYTES).hexdigest() in doc
    assert EXAMPLE_BYTES.decode() in doc


def _tamper(store, sql, *params):
    raw = sqlite3.connect(store.path)
    raw.execute(sql, params)
    raw.commit()
    raw.close()


@pytest.fixture
def ten_votes(store):
    return [store.record_vote("Q1" if i % 2 else "Q2", "HL") for i in range(10)]


def test_an_untouched_chain_verifies(store, ten_votes):
    assert store.verify_chain() is None


def test_an_edited_vote_is_named_as_edited(store, ten_votes):
    _tamper(store, "UPDATE votes SET level = 'RHL' WHERE seq = 4")
    brk = store.verify_chain()
    assert (brk.seq, brk.uuid) == (4, ten_votes[3].uuid)
    assert "edited" in brk.reason


def test_a_deleted_vote_is_named_by_the_gap_it_leaves(store, ten_votes):
    _tamper(store, "DELETE FROM votes WHERE seq = 6")
    brk = store.verify_chain()
    assert brk.seq == 7 and "6 missing" in brk.reason


def test_a_deleted_vote_with_renumbered_sequence_is_still_caught(store, ten_votes):
    _tamper(store, "DELETE FROM votes WHERE seq = 6")
    _tamper(store, "UPDATE votes SET seq = seq - 1 WHERE seq > 6")
    brk = store.verify_chain()
    assert brk.seq == 6 and "prev_hash" in brk.reason


def test_a_rehashed_edit_still_breaks_at_the_next_vote(store, ten_votes):
    edited = {**ten_votes[2].as_dict(), "level": "RHL"}
    _tamper(store, "UPDATE votes SET level = 'RHL', hash = ? WHERE seq = 3", chain.VOTES.hash(edited))
    brk = store.verify_chain()
    assert brk.seq == 4 and "prev_hash" in brk.reason


field_values = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63), st.text(max_size=40))


@settings(max_examples=400)
@given(st.lists(field_values, min_size=12, max_size=12))
def test_the_fast_encoding_equals_the_json_module_s_for_any_field_values(values):
    assert chain.encode_values(values, "v1") == chain.reference_encoding(values, "v1")


row_values = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63), st.text(max_size=40),
                       st.floats(allow_nan=False, allow_infinity=False), st.booleans())


@pytest.mark.parametrize("kind", chain.KINDS, ids=lambda k: k.name)
@settings(max_examples=300)
@given(data=st.data())
def test_each_kinds_page_hashes_equal_the_reference_encodings_for_any_field_values(kind, data):
    # Mostly rows of the declared types (the fast path), now and then anything at all (the exact path).
    # Small alphabets, so that whole pages often share a value (written into the template) and text
    # often holds what must be escaped ('"', '\\', control characters, '%').
    typed = {name: (st.integers(min_value=-2**63, max_value=2**63) | st.sampled_from([0, 1])
                    if name in kind.ints else st.text(alphabet='ab"\\%\x00\x1fệ ', max_size=6) | st.sampled_from(["Q1", "%s"]))
             for name in kind.hashed}
    rows = data.draw(st.lists(st.tuples(*(st.one_of(typed[name], st.none()) if name in kind.optional
                                          else typed[name] for name in kind.hashed))
                              | st.lists(row_values, min_size=len(kind.hashed), max_size=len(kind.hashed)).map(tuple),
                              min_size=1, max_size=5))
    expected = [hashlib.sha256(chain.reference_encoding(row, kind.tag)).hexdigest() for row in rows]
    assert kind.hash_rows([(*row, "some hash", "a derived column") for row in rows]) == expected


@pytest.mark.parametrize("kind", chain.KINDS, ids=lambda k: k.name)
@settings(max_examples=200)
@given(data=st.data())
def test_the_service_s_page_of_edit_issues_is_each_row_s_own_edit_issue(kind, data):
    # The ingest checks a page of received rows at once (rating.chain.edit_issues); each row must get
    # what edit_issue says of it alone: untouched rows none, edited ones (any field, any type) theirs.
    typed = {name: st.integers(min_value=0, max_value=9) if name in kind.ints else st.sampled_from(["a", "Q1", 'x"y'])
             for name in kind.hashed}
    rows = data.draw(st.lists(st.fixed_dictionaries({name: typed[name] | st.none() if name in kind.optional
                                                     else typed[name] for name in kind.hashed}),
                              min_size=1, max_size=6))
    for row in rows:
        row["hash"] = kind.hash(row)
    for i in data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=3)):
        name = data.draw(st.sampled_from([*kind.hashed, "hash"]))
        rows[i][name] = data.draw(row_values)
    assert chain.edit_issues(kind, rows) == [chain.edit_issue(kind, row) for row in rows]
    assert any(chain.edit_issues(kind, rows)) == any(kind.hash(row) != row["hash"] for row in rows)


def test_new_uuids_are_version_4_in_canonical_form():
    import uuid

    from kiosk.store import new_uuid
    for _ in range(200):
        u = new_uuid()
        parsed = uuid.UUID(u)
        assert str(parsed) == u and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_the_service_words_receipt_issues_as_it_always_has_for_votes_and_answers():
    # The texts in a receipt's chain issues are part of the sync contract (docs/sync-protocol.md): one
    # kind-generic definition now makes them, and a kiosk of the previous release reads the same words.
    from rating import wire
    vote = {**EXAMPLE, "seq": 5, "prev_hash": "a" * 64, "hash": "b" * 64}
    assert wire.edit_issue(vote) == ("edited", "vote 5's hash does not match its fields: it was edited on the device")
    assert wire.edit_issue({**vote, "hash": chain.VOTES.hash(vote)}) is None
    assert wire.link_issue(vote, {"hash": "c" * 64}) == (
        "break", "prev_hash of vote 5 does not match the hash of vote 4: vote 4 was replaced, "
                 "or votes between were removed")
    assert wire.link_issue(vote, {"hash": "a" * 64}) is None
    assert wire.gap_detail(3, 4) == "vote(s) 3-4 missing: deleted on the device, or not sent yet"
    assert wire.gap_detail(3, 3) == "vote(s) 3 missing: deleted on the device, or not sent yet"
    answer = {**dict.fromkeys(chain.ANSWERS.hashed), "seq": 2, "prev_hash": "a" * 64, "hash": "b" * 64}
    assert wire.q_edit_issue(answer) == ("edited", "answer 2's hash does not match its fields: "
                                                   "it was edited on the device")
    assert wire.q_link_issue(answer, {"hash": "c" * 64}) == (
        "break", "prev_hash of answer 2 does not match the hash of answer 1: answer 1 was replaced, "
                 "or answers between were removed")
    assert wire.q_link_issue({**answer, "seq": 1, "prev_hash": chain.GENESIS_HASH}, None) is None


def test_a_broken_link_at_the_first_vote_of_a_page_is_named_like_any_other(store, ten_votes):
    # verify reads the chain a page at a time: the link into a page is checked as the links inside it.
    # The last vote, its hash recomputed: no later link shows the edit, only its own.
    rows = store.query(f"SELECT {', '.join(chain.VOTES.columns)} FROM votes ORDER BY seq")
    last = dict(zip(chain.VOTES.columns, rows[-1]))
    last["prev_hash"] = "f" * 64
    last["hash"] = chain.VOTES.hash(last)
    verifier = chain.ChainVerifier(chain.VOTES)
    assert verifier.check_rows(rows[:-1]) is None
    brk = verifier.check_rows([tuple(last[c] for c in chain.VOTES.columns)])
    assert brk is not None and brk.seq == 10 and "prev_hash" in brk.reason


def test_a_vote_deleted_before_a_page_is_named_even_when_the_next_link_was_rewritten(store, ten_votes):
    rows = store.query(f"SELECT {', '.join(chain.VOTES.columns)} FROM votes ORDER BY seq")
    last = dict(zip(chain.VOTES.columns, rows[-1]))
    last["prev_hash"] = rows[7][12]               # vote 9 deleted, vote 10 linked to vote 8 and re-hashed
    last["hash"] = chain.VOTES.hash(last)
    verifier = chain.ChainVerifier(chain.VOTES)
    assert verifier.check_rows(rows[:8]) is None
    brk = verifier.check_rows([tuple(last[c] for c in chain.VOTES.columns)])
    assert brk is not None and brk.seq == 10 and "9 missing" in brk.reason


def test_a_first_vote_that_does_not_follow_the_genesis_hash_breaks_the_chain(store, ten_votes):
    first = {**ten_votes[0].as_dict(), "prev_hash": "f" * 64}
    _tamper(store, "UPDATE votes SET prev_hash = ?, hash = ? WHERE seq = 1", "f" * 64, chain.VOTES.hash(first))
    brk = store.verify_chain()
    assert brk is not None and brk.seq == 1 and "prev_hash" in brk.reason


@pytest.mark.parametrize("kind", chain.KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("column", [[1, True], [True, 1], [1, 1.0], ["1", 1], [None, 0]])
def test_values_equal_in_python_but_written_apart_are_not_taken_for_one_value_on_a_page(kind, column):
    rows = [[f"v{i}" if name not in kind.ints else i for name in kind.hashed] for i in range(2)]
    for name in kind.hashed:  # every field in turn holds the two values
        page = [(*row[:kind.hashed.index(name)], value, *row[kind.hashed.index(name) + 1:], "h")
                for row, value in zip(rows, column)]
        expected = [hashlib.sha256(chain.reference_encoding(r[:-1], kind.tag)).hexdigest() for r in page]
        assert kind.hash_rows(page) == expected, name

