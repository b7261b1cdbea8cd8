"""Alerts by e-mail when SMTP is configured (``CENTRAL_SMTP_HOST``, ``CENTRAL_ALERT_TO``): the same
alerts the kiosk-health page shows, each sent once a day at most (remembered in the audit log).

Two ways to run it: a background thread inside ``python main.py serve``, or — under gunicorn, whose
workers run nothing between requests — ``python main.py central-alerts`` from a systemd timer."""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from central.dashboard import alerts
from central.models import AuditEntry, Kiosk
from central.source import Source

log = logging.getLogger("central.alerts")


class AlertConfigError(ValueError):
    """E-mail was asked for but no mail server or no recipient is configured."""


def due_alerts(alias: str, now: datetime):
    """Every kiosk's current alerts."""
    kiosks = sorted(Kiosk.objects.values_list("id", flat=True))
    targets = {k.id: (k.centre.parent.target_pct if k.centre and k.centre.parent else 90.0)
               for k in Kiosk.objects.select_related("centre__parent")}
    from central.runtime import current
    return alerts(Source(alias), kiosks, now, targets, current().min_n)


def send_alerts(alias: str, now: datetime | None = None, host: str | None = None, port: int | None = None,
                to: list[str] | None = None, required: bool = False) -> int:
    """Mail the alerts not yet mailed today; return how many were sent (0 when SMTP is not configured,
    or :class:`AlertConfigError` with ``required``: a command run for nothing should say why)."""
    host = host if host is not None else settings.EMAIL_HOST
    to = to if to is not None else [a.strip() for a in os.environ.get("CENTRAL_ALERT_TO", "").split(",") if a.strip()]
    if not host or not to:
        if required:
            raise AlertConfigError("no mail server or no recipient: set CENTRAL_SMTP_HOST and CENTRAL_ALERT_TO "
                                   "(or give --smtp-host and --to)")
        return 0
    now = now or datetime.now(timezone.utc)
    day = now.date().isoformat()
    new = []
    for a in due_alerts(alias, now):
        key = f"{day} {a.kind} {a.subject}"
        if not AuditEntry.objects.filter(action="alert_mail", detail=key).exists():
            new.append((key, a))
    if not new:
        return 0
    body = "\n".join(f"- {a.subject}: {a.detail}" for _, a in new)
    connection = get_connection(host=host, port=port or settings.EMAIL_PORT, timeout=30)
    EmailMessage(f"[Đánh giá hài lòng] {len(new)} cảnh báo / alert(s)", body, settings.DEFAULT_FROM_EMAIL, to,
                 connection=connection).send()
    AuditEntry.objects.bulk_create([AuditEntry(username="", action="alert_mail", detail=key) for key, _ in new])
    return len(new)


def start_mailer(alias: str, every_s: float = 3600) -> threading.Thread | None:
    """Check and mail alerts every hour in the background (only when SMTP is configured)."""
    if not settings.EMAIL_HOST or not os.environ.get("CENTRAL_ALERT_TO"):
        return None

    def loop():
        from django.db import connections
        stop = threading.Event()
        while not stop.wait(every_s):
            try:
                sent = send_alerts(alias)
                if sent:
                    log.info("mailed %d alert(s)", sent)
            except Exception:
                log.exception("alert mail failed; will try again")
            finally:
                connections.close_all()

    t = threading.Thread(target=loop, daemon=True, name="alert-mailer")
    t.start()
    return t
