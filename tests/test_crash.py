"""Acknowledged votes survive SIGKILL at any moment: integrity holds, the chain verifies, none is lost."""

from __future__ import annotations

import pytest

from tests.crash import crash_rounds


def test_every_acknowledged_vote_survives_kill_9_at_random_moments(tmp_path):
    rounds, acknowledged = crash_rounds(tmp_path / "votes.db", rounds=30, seed=1)
    assert acknowledged > rounds  # the child really was voting when it was killed


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_acknowledged_vote_survives_hundreds_of_kills(tmp_path):
    crash_rounds(tmp_path / "votes.db", rounds=300, seed=2)
