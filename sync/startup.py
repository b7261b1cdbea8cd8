"""The start-up question: does the central service hold this kiosk's chain while its store is empty?

A store that starts empty on a kiosk that synced before was lost (a dead card, a deleted file): votes
taken now would start the chain again at seq 1, and the service would refuse every one as a conflict.
So when the store is empty and ``[sync]`` is configured, the kiosk asks the service (one small signed
page, a short timeout) before taking any vote; when the service holds votes of this kiosk, it does not
start, says so (the log, the out-of-service screen, headless one line) and offers
``restore --from-central``. When the service cannot be asked, the kiosk starts as it always did: an
empty store on a new kiosk is normal.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.config import EMBEDDED_SOURCE, Config
from kiosk.runtime import ChainHeldElsewhere
from kiosk.store import VoteStore

log = logging.getLogger("kiosk.sync")


def chain_on_service(config: Config, store: VoteStore) -> ChainHeldElsewhere | None:
    """The notice to show instead of taking votes, or None (store not empty, no ``[sync]``, nothing held,
    or the service out of reach)."""
    if config.sync is None or store.count() or store.answer_count():
        return None
    # Only now: requests costs the kiosk's cold start ~0.2 s, and most starts are not on an empty store.
    from kiosk.restore import ServiceUnavailable
    from .takeback import PROBE_TIMEOUT_S, ChainFetcher
    try:
        head, held = ChainFetcher(config, timeout_s=PROBE_TIMEOUT_S, attempts=1).head()
    except ServiceUnavailable as e:
        log.info("the store is empty; whether the central service holds this kiosk's chain is unknown (%s): "
                 "starting as a new kiosk", e)
        return None
    if not held:
        log.info("the store is empty and the central service holds no vote of %s: a new chain", config.kiosk_id)
        return None
    command = "python main.py restore --from-central" + ("" if config.source == EMBEDDED_SOURCE
                                                         else f" --config {config.source}")
    what = (f"{store.path}: the vote store is empty, but the central service holds this kiosk's chain "
            f"({held} vote(s), up to seq {head})")
    return ChainHeldElsewhere(path=Path(store.path), what=what, verify_command=command,
                              staff=staff_text(store.path, held, command), restore_command=command)


def staff_text(path, held: int, command: str) -> str:
    """The out-of-service screen's lines for staff (Vietnamese, then English)."""
    return (f"Dành cho cán bộ: tệp phiếu {path} trống nhưng máy chủ trung tâm đang giữ {held} phiếu của máy "
            f"này. Không nhận phiếu để chuỗi không bắt đầu lại từ 1: dừng máy, chạy “{command}”, rồi khởi động lại.\n"
            f"For staff: {path} is empty, but the central service holds {held} vote(s) of this kiosk. No vote "
            f"is taken, so the chain does not start again at 1: stop the kiosk, run “{command}”, start it again.")
