"""``python main.py enrol URL CODE [--config PATH] [--force]``: fetch this kiosk's id and secret (and its
managed settings) with a one-time code, write its configuration, and prove it by checking in and syncing.

The order matters, because a code works once: everything that can be checked on the device is checked
first (:func:`kiosk.enrolled.preflight`: the folder can be written, the configuration there is this
kiosk's or ``--force`` is given); the code is then sent; the answer is written at once
(:func:`kiosk.enrolled.write`). A code for another kiosk than the configuration names is refused by the
service without being used.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from kiosk.config import ENV_VAR, load_config
from kiosk.enrolled import EnrolRefusal, preflight, write
from kiosk.health import software_version
from rating import enrolment
from rating.problems import Problem

log = logging.getLogger("kiosk.sync")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
TIMEOUT_S = 30.0
DEFAULT_CONFIG = "kiosk.toml"


class EnrolFailed(Exception):
    """The service refused the code, or could not be reached (the message says which and what to do)."""


def redeem(url: str, code: str, kiosk_id: str | None, session: requests.Session | None = None) -> enrolment.Answer:
    """Send the code to ``URL/v1/enrol``; return the checked answer or raise :class:`EnrolFailed`."""
    body = enrolment.encode_request(code, kiosk_id, software_version()[:40])
    try:
        r = (session or requests).post(url.rstrip("/") + enrolment.ENROL_PATH, data=body, timeout=TIMEOUT_S,
                                       headers={"Content-Type": "application/json"})
    except requests.RequestException as e:
        raise EnrolFailed(f"cannot reach {url}: {type(e).__name__} (check the address and the network); "
                          "the code was not used") from None
    try:
        data = r.json()
    except ValueError:
        data = None
    if r.status_code != 200:
        problem = Problem.of(r.status_code, data.get("error") if isinstance(data, dict) else None)
        reason = data.get("reason") if isinstance(data, dict) and problem else f"HTTP {r.status_code} (is {url} the service?)"
        raise EnrolFailed(reason)
    try:
        return enrolment.parse_answer(data)
    except enrolment.BadEnrolment as e:
        raise EnrolFailed(f"the service's answer cannot be used: {e}") from None


@dataclass
class Enrolled:
    """What ``enrol`` did."""
    kiosk_id: str
    config: Path
    secret_file: Path
    checked_in: bool
    check_in_error: str | None
    sync_summary: str


def enrol(url: str, code: str, config_path: Path, force: bool = False, session: requests.Session | None = None,
          now: datetime | None = None) -> Enrolled:
    """Enrol this device (see the module's docstring); raise :class:`EnrolRefusal` or :class:`EnrolFailed`."""
    shown = enrolment.normalise(code)
    if shown is None:
        raise EnrolRefusal(f"{code!r} is not an enrolment code: {enrolment.CODE_SYMBOLS} letters and digits as "
                           "shown on the registry page, e.g. KX7M-4PQR-9TWC")
    existing = preflight(config_path, force)
    answer = redeem(url, shown, existing.kiosk_id, session)
    secret_file = write(existing, answer, url, now or datetime.now().astimezone())
    log.info("enrolled as kiosk %s; configuration %s", answer.kiosk_id, config_path)
    # Prove it at once: a check-in (the service now shows the kiosk), then a sync of anything waiting.
    from kiosk.backup import open_store
    from kiosk.config import ensure_data_dir
    from .client import SyncClient, describe
    config = load_config(config_path)
    ensure_data_dir(config)
    if answer.settings_version:   # the managed settings' last good copy: the kiosk runs (and reports) them at once
        from kiosk import settings_copy
        settings_copy.write(config.data_dir, answer.settings_version, answer.settings,
                            (now or datetime.now().astimezone()).isoformat(timespec="seconds"))
        config = load_config(config_path)
    with open_store(config) as store:
        client = SyncClient(config, store, session=session, attempts=2)
        checked = client.checkin()
        result = client.run()
    return Enrolled(answer.kiosk_id, Path(config_path), secret_file, checked.ok, checked.error,
                    describe(result).replace("\n", "; "))


def cmd_enrol(args) -> int:
    """The command: enrol, then say what was written and that the kiosk reached the service."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    path = Path(args.config or os.environ.get(ENV_VAR) or DEFAULT_CONFIG).expanduser()
    url, code = args.url, args.code
    if not url.startswith(("http://", "https://")):
        print(f"error: {url!r} is not the service's address (http:// or https://…)", file=sys.stderr)
        return EXIT_USAGE
    try:
        done = enrol(url, code, path, force=args.force)
    except EnrolRefusal as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except EnrolFailed as e:
        print(f"error: enrolment refused: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"enrolled as kiosk {done.kiosk_id}: configuration {done.config}, secret in {done.secret_file} "
          f"(readable by its owner only)")
    if not done.checked_in:
        print(f"warning: the first check-in failed: {done.check_in_error}", file=sys.stderr)
    print(f"sync: {done.sync_summary}")
    return EXIT_OK if done.checked_in else EXIT_FAILED


def register(add) -> None:
    """Add ``enrol`` to the command line."""
    p = add("enrol", cmd_enrol, "fetch this kiosk's id and secret with a one-time enrolment code, write its "
                                "configuration, check in and sync")
    p.set_defaults(log_to_file=False)   # the configuration may not exist yet
    p.add_argument("url", metavar="URL", help="the central service's address, e.g. https://central.example.vn")
    p.add_argument("code", metavar="CODE", help="the enrolment code from the registry page (e.g. KX7M-4PQR-9TWC)")
    p.add_argument("--force", action="store_true",
                   help="replace a configuration of another kiosk (or one that cannot be read); kept as .bak")
