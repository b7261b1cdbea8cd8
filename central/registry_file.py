"""The central service's kiosk registry: which kiosks may send votes, their centre and their secret.

A TOML file (``--kiosks PATH``)::

    [[kiosks]]
    id = "ninh-giang-01"
    centre = "Trung tâm Phục vụ hành chính công xã Ninh Giang"
    secret_file = "secrets/ninh-giang-01"   # or: secret = "..." (relative paths: to this file)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from rating import signing
from rating.signing import Secret

from rating.wire import KIOSK_ID_RE


class RegistryError(ValueError):
    """The registry file cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class KioskEntry:
    """One registered kiosk."""
    id: str
    centre: str
    secret: Secret


def load_registry(path: str | Path) -> dict[str, KioskEntry]:
    """Read and check the registry; raise :class:`RegistryError` naming the file and each problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RegistryError(f"{path}: cannot read the kiosk registry: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RegistryError(f"{path}: not valid TOML: {e}") from None
    problems, kiosks = [], {}
    unknown = set(raw) - {"kiosks"}
    if unknown:
        problems.append(f"unknown section(s) {sorted(unknown)}; only [[kiosks]] is known")
    for i, item in enumerate(raw.get("kiosks", []), start=1):
        where = f"[[kiosks]] #{i}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a table")
            continue
        extra = set(item) - {"id", "centre", "secret", "secret_file"}
        if extra:
            problems.append(f"{where}: unknown key(s) {sorted(extra)}")
        kid, centre = item.get("id"), item.get("centre")
        if not isinstance(kid, str) or not kid:
            problems.append(f"{where}: 'id' must be a non-empty string")
            continue
        if not KIOSK_ID_RE.match(kid):
            # It travels in the X-Kiosk-Id header, which is Latin-1 on the wire: a non-ASCII id could
            # never authenticate. Refuse it here rather than let the kiosk fail every night.
            problems.append(f"{where} ({kid}): 'id' must be 1-64 ASCII letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit")
            continue
        if kid in kiosks:
            problems.append(f"{where}: kiosk {kid!r} is registered twice")
        if not isinstance(centre, str) or not centre:
            problems.append(f"{where} ({kid}): 'centre' must be a non-empty string")
        secret = item.get("secret")
        if ("secret" in item) == ("secret_file" in item):
            problems.append(f"{where} ({kid}): give exactly one of 'secret' or 'secret_file'")
            continue
        if "secret_file" in item:
            f = Path(str(item["secret_file"]))
            f = f if f.is_absolute() else path.parent / f
            try:
                secret = f.read_text(encoding="utf-8").strip()
            except OSError as e:
                problems.append(f"{where} ({kid}): cannot read secret_file {f}: {e.strerror}")
                continue
        why = signing.secret_problem(secret)
        if why:
            problems.append(f"{where} ({kid}): {why}")
            continue
        kiosks[kid] = KioskEntry(kid, centre if isinstance(centre, str) else "", Secret(secret))
    if not kiosks and not problems:
        problems.append("no [[kiosks]] registered")
    if problems:
        raise RegistryError(f"{path}: invalid kiosk registry\n" + "\n".join(f"  - {p}" for p in problems))
    return kiosks
