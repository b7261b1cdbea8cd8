"""A kiosk's own rows, as the service holds them, page by page: the way back from a dead card.

``GET /v1/kiosks/<id>/chain`` (:func:`central.api.kiosk_chain`) answers a signed request of the kiosk
itself with its votes (and their reasons) or its questionnaire answers (with the responses and
definitions they are filed under), in seq order after a given seq — the rows exactly as the kiosk
sent them, in the wire's field lists (:mod:`rating.wire`), so the kiosk rebuilds its store with the
hashes it made (``python main.py restore --from-central``). Read by the (kiosk, seq) unique index: a
page of a chain of a million votes costs what the first page costs.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

from rating import wire

from central.chains import ANSWER_CHAIN, VOTE_CHAIN
from central.sql import select_in


def _rows(cur, fields: tuple[str, ...], sql: str, params: list) -> list[dict[str, Any]]:
    cur.execute(sql.format(cols=", ".join(fields)), params)
    return [dict(zip(fields, r)) for r in cur.fetchall()]


def _head(cur, chain, kiosk_id: str) -> tuple[int, int]:
    """The chain's head seq and how many rows are held (0, 0 for a kiosk that never sent one)."""
    cur.execute(f"SELECT head_seq, {chain.name} FROM {chain.state} WHERE kiosk_id = %s", [kiosk_id])
    row = cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def page(alias: str, kiosk_id: str, part: str, after: int, limit: int) -> dict[str, Any]:
    """One page of ``kiosk_id``'s ``part`` (votes or answers) after seq ``after``: :func:`rating.wire.chain_page`."""
    with connections[alias].cursor() as cur:
        if part == "votes":
            head, held = _head(cur, VOTE_CHAIN, kiosk_id)
            votes = _rows(cur, wire.WIRE_FIELDS, "SELECT {cols} FROM votes WHERE kiosk_id = %s AND seq > %s "
                                                 "ORDER BY seq LIMIT %s", [kiosk_id, after, limit])
            reasons = [dict(zip(wire.REASON_FIELDS, r)) for r in select_in(
                cur, f"SELECT {', '.join(wire.REASON_FIELDS)} FROM vote_reasons WHERE {{where}}", "vote_uuid",
                [v["uuid"] for v in votes])]
            reasons.sort(key=lambda r: (r["vote_uuid"], r["element"]))
            return wire.chain_page(kiosk_id, part, after, _next(votes, limit), head, held, votes, reasons)
        head, held = _head(cur, ANSWER_CHAIN, kiosk_id)
        answers = _rows(cur, wire.Q_ANSWER_FIELDS, "SELECT {cols} FROM q_answers WHERE kiosk_id = %s AND "
                                                   "kiosk_id != '' AND seq > %s ORDER BY seq LIMIT %s",
                        [kiosk_id, after, limit])
        responses = [r for r in (dict(zip(wire.Q_RESPONSE_FIELDS, row)) for row in select_in(
            cur, f"SELECT {', '.join(wire.Q_RESPONSE_FIELDS)} FROM q_responses WHERE {{where}}", "uuid",
            {a["response_uuid"] for a in answers})) if r["kiosk_id"] == kiosk_id]
        keys = {(a["questionnaire_id"], a["version"]) for a in answers}
        definitions = [d for d in (dict(zip(wire.Q_DEFINITION_FIELDS, row)) for row in select_in(
            cur, f"SELECT {', '.join(wire.Q_DEFINITION_FIELDS)} FROM q_definitions WHERE {{where}}", "questionnaire_id",
            {k[0] for k in keys})) if (d["questionnaire_id"], d["version"]) in keys]
        responses.sort(key=lambda r: r["uuid"])
        definitions.sort(key=lambda d: (d["questionnaire_id"], d["version"]))
        return wire.chain_page(kiosk_id, part, after, _next(answers, limit), head, held,
                               questionnaires={"definitions": definitions, "responses": responses, "answers": answers})


def _next(rows: list[dict], limit: int) -> int | None:
    """The ``after`` of the next page: the last row's seq when the page is full (there may be more)."""
    return rows[-1]["seq"] if len(rows) == limit else None
