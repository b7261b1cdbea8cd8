"""A database given as a path (SQLite) or a ``postgresql://`` URL, turned into Django's settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def database_settings(value: str) -> dict:
    """Django's DATABASES entry for ``value``: a ``postgresql://user:pass@host:port/name`` URL
    (``?host=/socket/dir`` for a unix socket) or a path to a SQLite file."""
    if value.startswith(("postgresql://", "postgres://")):
        url = urlsplit(value)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(url.path.lstrip("/")) or "central",
            "USER": unquote(url.username or ""), "PASSWORD": unquote(url.password or ""),
            "HOST": query.pop("host", None) or url.hostname or "", "PORT": str(url.port or ""),
            "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
            "OPTIONS": query,
        }
    if "://" in value:
        raise ValueError(f"unsupported database URL {value.split('://')[0]}://…: give a SQLite path or postgresql://…")
    path = Path(value).expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Same durability as the kiosk (WAL, synchronous=FULL); writers take the lock at BEGIN, so two
        # ingests queue behind each other instead of failing on a lock upgrade.
        "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"},
    }
