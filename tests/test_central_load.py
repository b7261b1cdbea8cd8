"""100 kiosks syncing at once into PostgreSQL: every vote arrives exactly once (UUIDs compared on
both sides) and every chain holds."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import requests

from kiosk.config import load_config
from kiosk.store import VoteStore
from sync.client import SyncClient, describe
from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_postgresql, postgres_server, sync_config  # noqa: F401

KIOSKS = 100
VOTES = 120


def test_a_hundred_kiosks_syncing_at_once_store_every_vote_exactly_once(tmp_path, postgres_server):
    secrets = {f"k{i:03d}": f"secret-of-kiosk-{i:03d}-0123456789" for i in range(KIOSKS)}
    registry = tuple((k, f"Trung tâm {k}", s) for k, s in secrets.items())
    with central_service(tmp_path, db=fresh_postgresql(postgres_server), kiosks=registry) as (url, app):
        configs, local = [], set()
        for k, secret in secrets.items():
            folder = tmp_path / k
            folder.mkdir()
            path = sync_config(folder, url, secret=secret, batch_size=40, timeout_s=30)
            path.write_text(re.sub(r'(?m)^id = "[^"]*"', f'id = "{k}"', path.read_text(encoding="utf-8"), count=1),
                            encoding="utf-8")
            config = load_config(path)
            with VoteStore.from_config(config) as store:
                t0 = datetime(2026, 11, 2, 8, tzinfo=config.tz)
                store.record_votes({"counter_id": ("Q1", "Q2")[i % 2], "level": ("RHL", "HL", "KHL")[i % 3],
                                    "at": t0 + timedelta(seconds=61 * i)} for i in range(VOTES))
                local |= {v.uuid for v in store.iter_votes()}
            configs.append(config)
        results: dict[str, object] = {}
        start = threading.Barrier(KIOSKS)

        def run(config):
            with VoteStore.from_config(config) as store:
                start.wait()
                results[config.kiosk_id] = SyncClient(config, store, sleep=lambda s: None).run()

        threads = [threading.Thread(target=run, args=(c,)) for c in configs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert all(r.complete for r in results.values()), [describe(r) for r in results.values() if not r.complete][:3]
        server = [u for (u,) in app.store.query("SELECT uuid FROM votes")]
        assert len(server) == len(set(server)) == KIOSKS * VOTES
        assert set(server) == local
        chains = requests.get(url + "/v1/reports/chain", headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()
        assert len(chains["kiosks"]) == KIOSKS
        assert all(c["ok"] and c["votes"] == VOTES and c["head_seq"] == VOTES for c in chains["kiosks"])
