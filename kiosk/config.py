"""The kiosk's configuration: one TOML file, validated up front.

The keys are a contract (README, "Configuration"). A bad file fails fast with every problem at
once — the file, the line, the key, what was expected and what was found. Unknown keys are errors
too: a misspelt ``repeat_windows_s`` silently ignored would be worse than a refusal to start.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import replace, dataclass
from datetime import time
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rating.checkin import CHECKIN_EVERY_S, NO_SETTINGS
from rating.hours import ALWAYS_OPEN, OpeningHours, parse_hours
from rating.managed import (COUNTER_KEYS, REPORT_KEYS, check_fragment, check_hours, check_ident, check_language,
                            check_string, managed_keys, merged_over)
from rating.scales import SCALES, Scale, get_scale
from rating.period import TIME_ZONE
from rating.rate import MIN_N
from rating.signing import Secret, secret_problem
from rating.textfile import Locator as _Locator, read_text_file
from rating.units import Counter
from .ticket import MODES as TICKET_MODES

ENV_VAR = "KIOSK_CONFIG"
EMBEDDED_SOURCE = "<embedded demo configuration>"

EMBEDDED_DEFAULT = """\
# The demo centre the kiosk runs when no configuration is given.
[kiosk]
id = "demo-01"
centre = "Trung tâm Phục vụ hành chính công xã Ninh Giang (demo)"
data_dir = "data/demo"          # apart from a real centre's ./data: demo-data may fill it
scale = "sipas5"
timezone = "Asia/Ho_Chi_Minh"
repeat_window_s = 10

[[counters]]
id = "Q1"
name = "Quầy 1 — Tư pháp, hộ tịch"

[[counters]]
id = "Q2"
name = "Quầy 2 — Đất đai, xây dựng"

[[counters]]
id = "Q3"
name = "Quầy 3 — Lao động, thương binh và xã hội"
"""

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
# A USB serial adapter named by identity, so that it is found again after a replug.
USB_PORT_RE = re.compile(r"^usb:([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})(?::(.+))?\Z")


class ConfigError(ValueError):
    """The configuration cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid configuration\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class ButtonBox:
    """A serial rating button box, and the counter its presses vote for."""

    port: str
    box: int
    counter: str
    baudrate: int = 115200
    demo: bool = False      # a simulated box (``run --simulate``): its presses are stored as demo votes


@dataclass(frozen=True)
class SyncConfig:
    """Where and when votes are sent to the central service."""

    url: str
    secret: Secret
    window: tuple[time, time] = (time(22, 0), time(5, 0))
    batch_size: int = 500
    timeout_s: float = 30.0
    checkin_every_s: float = CHECKIN_EVERY_S   # check-ins while open (rating.checkin); 0: none


@dataclass(frozen=True)
class ReportConfig:
    """The [report] section: who issues the II.7 report, who signs it, and the target (all optional)."""

    parent_unit: str = ""
    unit: str = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    place: str = ""
    preparer: str = ""
    head: str = ""
    target_pct: float = 90.0
    min_n: int = MIN_N   # fewer counted votes: "Chưa đủ mẫu", listed, not ranked (issue 18)
    officers: tuple[tuple[str, str], ...] = ()   # (code, name): names shown only in reports, kept on the device


@dataclass(frozen=True)
class BackupConfig:
    """The [backup] section: where the nightly backups go, how many are kept, and when one is taken."""

    dir: Path | None = None      # None: <data_dir>/backups (Config.backup_dir)
    keep: int = 7
    time: time = time(2, 0)      # local time, in the centre's time zone


@dataclass(frozen=True)
class Config:
    """A validated configuration. Paths are absolute."""

    kiosk_id: str
    centre: str
    data_dir: Path
    scale_id: str
    timezone: str
    repeat_window_s: float
    counters: tuple[Counter, ...]
    counter_id: str | None = None          # the counter this screen belongs to; None: citizens pick one
    question: str | None = None            # overrides the default question on the rating screen
    hours: OpeningHours = ALWAYS_OPEN
    language: str = "vi"
    sounds: bool = False
    keypad: bool = False                   # a USB keypad types digits 1..N (the footer then names the keys)
    ticket: str = "off"                    # ask the transaction's ticket/dossier number first: off, ask, require
    export_dir: Path | None = None
    manager_idle_s: float = 120.0
    button_boxes: tuple[ButtonBox, ...] = ()
    sync: SyncConfig | None = None
    questionnaire_dir: Path | None = None  # the centre's own questionnaires, beside the shipped ones
    report: ReportConfig = ReportConfig()
    source: str = EMBEDDED_SOURCE
    log_dir_set: Path | None = None        # [kiosk] log_dir; None: <data_dir>/logs
    rehearsal: bool = False                # a real centre's configuration run with simulated presses
    backup: BackupConfig = BackupConfig()
    # Managed settings (issue 17): the version laid over the file (rating.checkin.NO_SETTINGS: none) and
    # the keys it set ("kiosk.question", "counters"; rating.managed.managed_keys).
    settings_version: str = NO_SETTINGS
    managed: frozenset[str] = frozenset()

    @property
    def log_dir(self) -> Path:
        """Where the rotating log file ``kiosk.log`` goes."""
        return self.log_dir_set or self.data_dir / "logs"

    @property
    def backup_dir(self) -> Path:
        """Where backups of the vote store go: ``[backup] dir``, else ``<data_dir>/backups``."""
        return self.backup.dir or self.data_dir / "backups"

    @property
    def is_demo(self) -> bool:
        """True for the embedded demo centre (no configuration given) and for a rehearsal: every vote
        taken is a demo vote, kept in a store of its own."""
        return self.source == EMBEDDED_SOURCE or self.rehearsal

    def as_rehearsal(self) -> "Config":
        """This centre's configuration for a rehearsal with simulated presses: its votes go to
        ``<data_dir>/rehearsal`` as demo votes and are never synced, so a centre's evidence (its store,
        its reports, the central service) never holds a simulated vote."""
        if self.is_demo:
            return self
        return replace(self, data_dir=self.data_dir / "rehearsal", rehearsal=True, sync=None,
                       log_dir_set=self.log_dir,  # the centre's log folder: one place to read
                       backup=replace(self.backup, dir=None))  # never beside the centre's own backups

    @property
    def db_path(self) -> Path:
        """Where the vote store lives."""
        return self.data_dir / "votes.db"

    @property
    def tz(self) -> ZoneInfo:
        """The centre's time zone: local days and opening hours are reckoned in it."""
        return ZoneInfo(self.timezone)

    @property
    def scale(self) -> Scale:
        """The rating scale this kiosk offers."""
        return get_scale(self.scale_id)

    def counter(self, counter_id: str) -> Counter:
        """The configured counter with this id; ``KeyError`` otherwise."""
        for c in self.counters:
            if c.id == counter_id:
                return c
        raise KeyError(f"counter {counter_id!r} is not configured (known: {', '.join(c.id for c in self.counters)})")


# --- validation -------------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a description of what was expected, or None if fine


# The managed keys' checks are the shared domain's (rating.managed): the service checks a fragment with them.
_string, _ident, _hours, _language = check_string, check_ident, check_hours, check_language


def _scale_id(v: Any) -> str | None:
    return None if v in SCALES else f"one of {', '.join(SCALES)}"


def _timezone(v: Any) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return f"an IANA time zone name such as \"{TIME_ZONE}\""
    return None


def _seconds(v: Any) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 3600
    return None if ok else "a number of seconds from 0 to 3600"


def _port(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "a device path such as \"/dev/ttyUSB0\", or \"usb:VID:PID\" / \"usb:VID:PID:SERIAL\""
    if v.startswith("usb:") and not USB_PORT_RE.match(v):
        return "\"usb:VID:PID\" or \"usb:VID:PID:SERIAL\" with four hex digits for VID and PID"
    return None


def _ticket(v: Any) -> str | None:
    return None if v in TICKET_MODES else " or ".join(f'"{m}"' for m in TICKET_MODES)


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _box_number(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 99
    return None if ok else "a whole number from 1 to 99"


def _baudrate(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 300 <= v <= 4_000_000
    return None if ok else "a baud rate such as 115200"


# section -> key -> (check, required, default)
_KIOSK_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "id": (_ident, True, None),
    "centre": (_string, True, None),
    "data_dir": (_string, False, "data"),
    "log_dir": (_string, False, None),
    "scale": (_scale_id, False, "sipas5"),
    "timezone": (_timezone, False, TIME_ZONE),
    "repeat_window_s": (_seconds, False, 10),
    "counter": (_ident, False, None),
    "question": (_string, False, None),
    "opening_hours": (_hours, False, None),
    "language": (_language, False, "vi"),
    "sounds": (_bool, False, False),
    "keypad": (_bool, False, False),  # a USB keypad is attached: the rating screen's footer names its keys
    "ticket": (_ticket, False, "off"),  # the ticket/dossier number before the rating (kiosk.ticket, issue 18)
}
_MANAGER_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "export_dir": (_string, False, None),
    "idle_close_s": (_seconds, False, 120),
}
_COUNTER_KEYS = COUNTER_KEYS
_BOX_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "port": (_port, True, None),
    "box": (_box_number, True, None),
    "counter": (_ident, True, None),
    "baudrate": (_baudrate, False, 115200),
}
_WINDOW_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])\Z")


def _window(v: Any) -> str | None:
    return None if isinstance(v, str) and _WINDOW_RE.match(v) else "a time window \"HH:MM-HH:MM\" such as \"22:00-05:00\""


def _url(v: Any) -> str | None:
    ok = isinstance(v, str) and re.match(r"^https?://[^\s/]+", v) is not None
    return None if ok else "an http:// or https:// URL"


def _batch_size(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5000
    return None if ok else "a whole number from 1 to 5000"


def _timeout(v: Any) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 600
    return None if ok else "a number of seconds from 1 to 600"


def _checkin_every(v: Any) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (v == 0 or 60 <= v <= 3600)
    return None if ok else "0 (no check-ins) or a number of seconds from 60 to 3600, such as 300"


_SYNC_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "url": (_url, True, None),
    "secret": (_string, False, None),
    "secret_file": (_string, False, None),
    "window": (_window, False, "22:00-05:00"),
    "batch_size": (_batch_size, False, 500),
    "timeout_s": (_timeout, False, 30),
    "checkin_every_s": (_checkin_every, False, CHECKIN_EVERY_S),
}
_QUESTIONNAIRE_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "dir": (_string, False, None),
}


_REPORT_KEYS = REPORT_KEYS
_CLOCK_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])\Z")


def _clock_time(v: Any) -> str | None:
    return None if isinstance(v, str) and _CLOCK_RE.match(v) else "a local time \"HH:MM\" such as \"02:00\""


def _keep(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1000
    return None if ok else "a whole number of backups from 1 to 1000"


_BACKUP_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "dir": (_string, False, None),
    "keep": (_keep, False, 7),
    "time": (_clock_time, False, "02:00"),
}
_TOP_LEVEL = {"kiosk": "table", "counters": "array", "button_boxes": "array", "sync": "table", "manager": "table",
              "questionnaire": "table", "report": "table", "backup": "table"}


def _where(loc: _Locator, section: str, index: int | None, key: str | None) -> str:
    label = f"[{section}]" if index is None else f"[[{section}]] #{index + 1}"
    if key:
        label += f" {key}"
    line = loc.line_of(section, index, key) or (loc.line_of(section, index, None) if key else None)
    return f"line {line}: {label}" if line else label


def _check_table(table: Any, spec: dict, section: str, index: int | None, loc: _Locator,
                 problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(table, dict):
        problems.append(f"{_where(loc, section, index, None)}: expected a table")
        return out
    for key in table:
        if key not in spec:
            problems.append(f"{_where(loc, section, index, key)}: unknown key "
                            f"(known keys: {', '.join(spec)})")
    for key, (check, required, default) in spec.items():
        if key not in table:
            if required:
                problems.append(f"{_where(loc, section, index, None)}: missing required key {key!r}")
            out[key] = default
            continue
        expected = check(table[key])
        if expected:
            problems.append(f"{_where(loc, section, index, key)}: expected {expected}, got {table[key]!r}")
        out[key] = table[key]
    return out


def parse_config(text: str, source: str = EMBEDDED_SOURCE, base_dir: Path | None = None,
                 overlay: dict[str, Any] | None = None) -> Config:
    """Validate TOML text and build a :class:`Config`; raise :class:`ConfigError` listing every problem.

    ``base_dir`` is what a relative ``data_dir`` is resolved against (the config file's folder;
    the working directory for the embedded default). ``overlay`` is managed settings laid over the
    file's tables before they are checked (:func:`rating.managed.merged_over`).
    """
    try:
        raw = tomllib.loads(text)
        if overlay:
            raw = merged_over(raw, overlay)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(source, [f"not valid TOML: {e}"]) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(source, ["not usable TOML: arrays or tables are nested too deeply "
                                   "(thousands of levels); a kiosk configuration needs two"]) from None
    loc = _Locator(text)
    problems: list[str] = []

    for key, value in raw.items():
        kind = _TOP_LEVEL.get(key)
        if kind is None:
            line = loc.line_of(key, None, None)
            where = f"line {line}: " if line else ""
            problems.append(f"{where}unknown section [{key}] (known: {', '.join(_TOP_LEVEL)})")
        elif kind == "array" and not isinstance(value, list):
            problems.append(f"[{key}]: expected an array of tables, written [[{key}]]")

    if "kiosk" not in raw:
        problems.append("missing section [kiosk]")
    kiosk = _check_table(raw.get("kiosk", {}), _KIOSK_KEYS, "kiosk", None, loc, problems)

    counters: list[Counter] = []
    raw_counters = raw.get("counters", [])
    if isinstance(raw_counters, list):
        if not raw_counters:
            problems.append("[[counters]]: at least one counter is needed")
        for i, item in enumerate(raw_counters):
            c = _check_table(item, _COUNTER_KEYS, "counters", i, loc, problems)
            if c.get("id") in {x.id for x in counters}:
                problems.append(f"{_where(loc, 'counters', i, 'id')}: duplicate counter id {c['id']!r}")
            if isinstance(c.get("id"), str) and isinstance(c.get("name"), str):
                counters.append(Counter(c["id"], c["name"]))

    boxes: list[ButtonBox] = []
    raw_boxes = raw.get("button_boxes", [])
    if isinstance(raw_boxes, list):
        counter_ids = {c.id for c in counters}
        for i, item in enumerate(raw_boxes):
            b = _check_table(item, _BOX_KEYS, "button_boxes", i, loc, problems)
            if b.get("counter") is not None and counter_ids and b["counter"] not in counter_ids:
                problems.append(f"{_where(loc, 'button_boxes', i, 'counter')}: counter "
                                f"{b['counter']!r} is not one of the [[counters]] ({', '.join(sorted(counter_ids))})")
            if any(x.port == b.get("port") and x.box == b.get("box") for x in boxes):
                problems.append(f"{_where(loc, 'button_boxes', i, 'box')}: box {b.get('box')} "
                                f"is configured twice on port {b.get('port')!r}")
            same_port = [x for x in boxes if x.port == b.get("port")]
            if same_port and same_port[0].baudrate != b.get("baudrate"):
                problems.append(f"{_where(loc, 'button_boxes', i, 'baudrate')}: boxes on one port share "
                                f"one baud rate; {same_port[0].baudrate} was given for an earlier box")
            try:
                boxes.append(ButtonBox(str(b["port"]), int(b["box"]), str(b["counter"]), int(b["baudrate"])))
            except (TypeError, ValueError, KeyError):
                pass  # already reported above

    base = base_dir if base_dir is not None else Path.cwd()
    sync = None
    if "sync" in raw:
        sync = _sync_section(raw["sync"], loc, base, problems)
    manager = _check_table(raw.get("manager", {}), _MANAGER_KEYS, "manager", None, loc, problems)
    questionnaire_dir = _questionnaire_section(raw.get("questionnaire", {}), loc, base, problems)
    report = _check_table(raw.get("report", {}), _REPORT_KEYS, "report", None, loc, problems)
    backup = _check_table(raw.get("backup", {}), _BACKUP_KEYS, "backup", None, loc, problems)
    if kiosk.get("counter") is not None and kiosk["counter"] not in {c.id for c in counters}:
        problems.append(f"{_where(loc, 'kiosk', None, 'counter')}: counter {kiosk['counter']!r} is not "
                        f"one of the [[counters]]")

    if problems:
        raise ConfigError(source, sorted(problems, key=_line_of))  # in the file's order, as it is read

    data_dir = Path(kiosk["data_dir"]).expanduser()
    if not data_dir.is_absolute():
        data_dir = base / data_dir
    log_dir = Path(kiosk["log_dir"]).expanduser() if kiosk.get("log_dir") else None
    if log_dir is not None and not log_dir.is_absolute():
        log_dir = base / log_dir
    return Config(
        kiosk_id=kiosk["id"],
        centre=kiosk["centre"],
        data_dir=data_dir.resolve(),
        scale_id=kiosk["scale"],
        timezone=kiosk["timezone"],
        repeat_window_s=float(kiosk["repeat_window_s"]),
        counter_id=kiosk["counter"],
        question=kiosk["question"],
        hours=parse_hours(kiosk["opening_hours"]),
        language=kiosk["language"],
        sounds=kiosk["sounds"],
        keypad=kiosk["keypad"],
        ticket=kiosk["ticket"],
        export_dir=(base / Path(manager["export_dir"]).expanduser()).resolve() if manager.get("export_dir") else None,
        manager_idle_s=float(manager["idle_close_s"]),
        counters=tuple(counters),
        button_boxes=tuple(boxes),
        sync=sync,
        questionnaire_dir=questionnaire_dir,
        report=ReportConfig(
            parent_unit=report["parent_unit"], unit=report["unit"], place=report["place"],
            preparer=report["preparer"], head=report["head"], target_pct=float(report["target_pct"]),
            min_n=int(report["min_n"]),
            officers=tuple((k.strip(), v.strip()) for k, v in report["officers"].items())),
        source=source,
        log_dir_set=log_dir.resolve() if log_dir is not None else None,
        backup=_backup_config(backup, base),
    )


def _backup_config(b: dict[str, Any], base: Path) -> BackupConfig:
    """The validated [backup] keys as a :class:`BackupConfig` (a relative ``dir`` is the config file's)."""
    folder = (base / Path(b["dir"]).expanduser()).resolve() if b.get("dir") else None
    hour, minute = map(int, b["time"].split(":"))
    return BackupConfig(dir=folder, keep=b["keep"], time=time(hour, minute))


def _line_of(problem: str) -> float:
    """The line a problem names ("line 12: …"), or infinity for a problem of the whole file (listed last)."""
    if problem.startswith("line "):
        number = problem[5:].split(":", 1)[0]
        if number.isdigit():
            return int(number)
    return float("inf")


def _sync_section(table: Any, loc: _Locator, base: Path, problems: list[str]) -> SyncConfig | None:
    before = len(problems)
    s = _check_table(table, _SYNC_KEYS, "sync", None, loc, problems)
    if not isinstance(table, dict):
        return None
    has_secret, has_file = table.get("secret") is not None, table.get("secret_file") is not None
    if has_secret == has_file:
        problems.append(f"{_where(loc, 'sync', None, None)}: give exactly one of 'secret' or 'secret_file'")
    secret = s.get("secret")
    if has_file and not has_secret and isinstance(s.get("secret_file"), str):
        path = Path(s["secret_file"]).expanduser()
        path = path if path.is_absolute() else base / path
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            problems.append(f"{_where(loc, 'sync', None, 'secret_file')}: cannot read {path}: {e.strerror}")
        else:
            if not secret:
                problems.append(f"{_where(loc, 'sync', None, 'secret_file')}: {path} is empty")
    if isinstance(secret, str) and secret.strip() and (why := secret_problem(secret)):
        problems.append(f"{_where(loc, 'sync', None, 'secret_file' if has_file else 'secret')}: {why}")
    if len(problems) > before or not secret:
        return None
    m = _WINDOW_RE.match(s["window"])
    window = (time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4))))
    return SyncConfig(url=s["url"].rstrip("/"), secret=Secret(secret), window=window,
                      batch_size=s["batch_size"], timeout_s=float(s["timeout_s"]),
                      checkin_every_s=float(s["checkin_every_s"]))


def _questionnaire_section(table: Any, loc: _Locator, base: Path, problems: list[str]) -> Path | None:
    q = _check_table(table, _QUESTIONNAIRE_KEYS, "questionnaire", None, loc, problems)
    if not isinstance(q.get("dir"), str) or not q["dir"].strip():
        return None
    folder = Path(q["dir"]).expanduser()
    folder = (folder if folder.is_absolute() else base / folder).resolve()
    if not folder.is_dir():
        problems.append(f"{_where(loc, 'questionnaire', None, 'dir')}: the folder {folder} does not exist")
        return None
    return folder


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load the configuration from ``path``, else ``$KIOSK_CONFIG``, else the embedded demo centre."""
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    if path is None:
        return parse_config(EMBEDDED_DEFAULT)
    p = Path(path).expanduser()
    text = read_text_file(p, ConfigError)
    config = parse_config(text, source=str(p), base_dir=p.resolve().parent)
    return with_managed_copy(config, text)


def with_managed_copy(config: Config, text: str) -> Config:
    """``config`` with the managed settings' last good copy (``<data_dir>/managed-settings.toml``) laid over
    it; ``config`` itself when there is none, or when it no longer fits the file (the file was edited
    since): a kiosk always starts, on its own file at worst, and says so in its log."""
    from .settings_copy import CopyUnreadable, read
    try:
        copy = read(config.data_dir)
    except CopyUnreadable as e:
        logging.getLogger("kiosk").warning("managed settings ignored: %s", e)
        return config
    if copy is None:
        return config
    try:
        if problems := check_fragment(copy.fragment):
            raise ConfigError(config.source, problems)
        managed = parse_config(text, source=config.source, base_dir=Path(config.source).resolve().parent,
                               overlay=copy.fragment)
    except ConfigError as e:
        logging.getLogger("kiosk").warning("managed settings version %s no longer fit %s; running the file "
                                           "alone: %s", copy.version, config.source, "; ".join(e.problems))
        return config
    return replace(managed, settings_version=copy.version, managed=frozenset(managed_keys(copy.fragment)))


def ensure_data_dir(config: Config) -> Path:
    """Create the data folder if needed and check it is a writable folder; return it.

    Raises :class:`ConfigError` naming the folder and the fix: a file in its place, a parent that
    is a file, no permission, a read-only disk.
    """
    where = f"[kiosk] data_dir = {str(config.data_dir)!r}"
    d = config.data_dir
    if d.exists() and not d.is_dir():
        raise ConfigError(config.source, [f"{where}: is a file, not a folder; point data_dir at a folder "
                                          "(it is created if missing), or move the file away"])
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        why = "a part of that path is a file, not a folder" if isinstance(e, (FileExistsError, NotADirectoryError)) \
            else (e.strerror or str(e))
        raise ConfigError(config.source, [f"{where}: cannot create the data folder: {why}; choose a folder "
                                          "the kiosk's user may write, or create it with the right owner"]) from None
    if not os.access(d, os.W_OK | os.X_OK):
        raise ConfigError(config.source, [f"{where}: the kiosk's user may not write in this folder; "
                                          "fix its owner or permissions"])
    return d
