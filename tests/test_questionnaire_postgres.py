"""The analysis SQL runs unchanged on a real PostgreSQL server (started here in a temp folder), as the
central service will run it, and gives the same result as on the kiosk's SQLite file."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from rating.questionnaire.analysis import analyse
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
from tests.test_questionnaire_analysis import Q3, Q4, generate

psycopg = pytest.importorskip("psycopg")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 binaries not installed")

# The central service's tables need only these columns for the analysis; local_date may be a DATE there.
PG_TABLES = """
CREATE TABLE q_responses (uuid text PRIMARY KEY, kiosk_id text NOT NULL, questionnaire_id text NOT NULL,
                          version integer NOT NULL, channel text NOT NULL, counter_id text, local_date date NOT NULL);
CREATE TABLE q_answers (uuid text PRIMARY KEY, response_uuid text NOT NULL REFERENCES q_responses(uuid),
                        kiosk_id text NOT NULL, questionnaire_id text NOT NULL, version integer NOT NULL,
                        channel text NOT NULL, counter_id text, question_id text NOT NULL, choice text,
                        local_date date NOT NULL, replaced integer NOT NULL DEFAULT 0);
"""


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the 'postgres' system user when we are root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg():
    folder = Path(tempfile.mkdtemp(prefix="quest-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no 'postgres' user to run the server as")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data = folder / "data"
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                                 f"-k {folder} -c listen_addresses='' -p 5432", "start"]), check=True, capture_output=True)
    try:
        with psycopg.connect(host=str(folder), port=5432, user="postgres", dbname="postgres", autocommit=True) as conn:
            yield conn
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


class PgSource:
    """What the central service does: the same SQL, with psycopg's placeholder."""

    def __init__(self, conn):
        self.conn = conn

    def query(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), list(params))
            return cur.fetchall()


def test_the_analysis_gives_the_same_result_on_postgresql_as_on_sqlite(pg, store):
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    generate(store, q, 50, Q3, seed=21)
    generate(store, q, 120, Q4, seed=22, changed=5)
    pg.execute(PG_TABLES)
    with pg.cursor() as cur:
        cur.executemany("INSERT INTO q_responses VALUES (%s, %s, %s, %s, %s, %s, %s)", store.query(
            "SELECT uuid, kiosk_id, questionnaire_id, version, channel, counter_id, local_date FROM q_responses"))
        cur.executemany("INSERT INTO q_answers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", store.query(
            "SELECT uuid, response_uuid, kiosk_id, questionnaire_id, version, channel, counter_id, question_id, "
            "choice, local_date, replaced FROM q_answers"))
    on_sqlite = analyse(store, q, *Q4)
    on_postgres = analyse(PgSource(pg), q, *Q4)
    assert on_postgres == on_sqlite
    assert on_postgres[0]["responses"] == 120 and on_postgres[0]["previous"]["responses"] == 50
    one_counter = {"counter_id": ["Q1"], "kiosk_id": "test-01"}
    assert analyse(PgSource(pg), q, date(2026, 10, 1), date(2026, 12, 31), one_counter) == \
        analyse(store, q, date(2026, 10, 1), date(2026, 12, 31), one_counter)
