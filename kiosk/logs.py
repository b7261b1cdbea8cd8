"""The kiosk's log: a rotating file under the data folder, and standard error.

One set-up for every face (touch, headless) and for the command line's last-resort handler. The
handlers go on the root logger, so Kivy's messages and ours land in the same file. In touch mode
this must run *after* Kivy is imported: Kivy (in its default log mode) puts its own handlers on the
root logger and replaces ``sys.stderr`` at import. Ours write to the process's real standard error
(``sys.__stderr__``), never to a replaced ``sys.stderr`` that would feed the log back into itself.

Nothing personal is logged: a vote is its counter, level, source and sequence number.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import sys
import threading
from pathlib import Path

LOG_NAME = "kiosk.log"
MAX_BYTES = 2_000_000   # ~10,000 lines a file; a busy centre's month fits in the set
BACKUP_COUNT = 9        # kiosk.log.1 … kiosk.log.9: at most 20 MB on the card, whatever the years
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_MARK = "_kiosk_handler"  # set on the handlers this module adds, so set-up can be repeated safely


class LogSetupError(Exception):
    """The log folder cannot be created or written."""


def log_file(log_dir: Path) -> Path:
    """The current log file in ``log_dir``."""
    return Path(log_dir) / LOG_NAME


def setup_logging(log_dir: Path | None, *, level: int = logging.INFO, stderr: bool = True,
                  thread_errors: bool = False) -> Path | None:
    """Log to ``log_dir/kiosk.log`` (rotating) and to standard error; return the file's path.

    Replaces whatever handlers the root logger had (Kivy's among them), so it can be called again
    after an import that installed its own. With ``log_dir`` None, standard error only. Raises
    :class:`LogSetupError` when the folder cannot be made or the file opened. With ``thread_errors``,
    an exception that ends a thread (a library's reader thread, say) is logged with its traceback
    instead of only printed.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if getattr(handler, _MARK, False):
            handler.close()
    formatter = logging.Formatter(FORMAT)
    path = None
    if log_dir is not None:
        path = log_file(log_dir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file_handler = _LogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
        except OSError as e:
            raise LogSetupError(f"{path.parent}: cannot write the kiosk's log there: {e.strerror or e}") from None
        _add(root, file_handler, formatter)
    if stderr and sys.__stderr__ is not None:
        _add(root, logging.StreamHandler(sys.__stderr__), _FirstLineOfKivy(FORMAT))
    for handler in root.handlers:
        if not any(isinstance(f, _UnusedKivyProbes) for f in handler.filters):
            handler.addFilter(_UnusedKivyProbes())
    root.setLevel(level)
    if thread_errors:
        threading.excepthook = _log_thread_error
    return path


# A write the disk refused for want of room: the log says it once, not a traceback a line.
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, quiet on a full disk: the first line it cannot write is replaced by one
    line on standard error (the journal) saying so, the next ones by nothing (standard error has them
    all), and when lines can be written again the file says how many it is missing. Without this,
    logging prints a traceback to standard error for every line, hundreds for one full disk."""

    missed = 0

    def emit(self, record: logging.LogRecord) -> None:
        self._refused = False
        super().emit(record)  # calls handleError when the write fails
        if self.missed and not self._refused:
            missed, self.missed = self.missed, 0
            super().emit(logging.makeLogRecord({
                "name": "kiosk.logs", "levelno": logging.WARNING, "levelname": "WARNING",
                "msg": f"the log file can be written again from the line above; {missed} line(s) before it "
                       "could not be (the disk was full): standard error (the journal) has them"}))

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not (isinstance(error, OSError) and error.errno in NO_ROOM):
            return super().handleError(record)
        self._refused = True
        self.missed += 1
        if self.missed == 1 and sys.__stderr__ is not None:
            line = logging.makeLogRecord({
                "name": "kiosk.logs", "levelno": logging.ERROR, "levelname": "ERROR",
                "msg": f"{self.baseFilename}: the log file cannot be written: {error.strerror}; log lines go to "
                       "standard error only until there is room again"})
            try:
                sys.__stderr__.write(self.format(line) + "\n")
                sys.__stderr__.flush()
            except (OSError, ValueError):
                pass


def _log_thread_error(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("kiosk").error("uncaught error in thread %s", name,
                                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


# Kivy's import-time probes for input providers the kiosk never uses (one provider: SDL's pointer, see
# kiosk.ui.setup): a missing libmtdev is an ERROR with a traceback at every start, a false alarm to
# whoever searches the log for errors.
UNUSED_KIVY_PROBES = ("Input: MTDev is not supported",)


class _UnusedKivyProbes(logging.Filter):
    """Kivy's failed probes for providers the kiosk does not use become one INFO line, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("kivy") and record.levelno >= logging.ERROR \
                and str(record.msg).startswith(UNUSED_KIVY_PROBES):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = f"{record.msg} (not used by the kiosk: touches arrive through SDL)"
            record.exc_info = record.exc_text = None
        return True


class _FirstLineOfKivy(logging.Formatter):
    """On the terminal and the journal, Kivy's start-up probes (clipboard, MTDev …) are one line each;
    the tracebacks it attaches to providers it could not load stay in the file."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.name == "kivy" or record.name.startswith("kivy."):
            return text.split("\n", 1)[0]
        return text


def _add(root: logging.Logger, handler: logging.Handler, formatter: logging.Formatter) -> None:
    handler.setFormatter(formatter)
    setattr(handler, _MARK, True)
    root.addHandler(handler)


def current_log_file() -> Path | None:
    """The file the root logger writes to, if :func:`setup_logging` gave it one."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and getattr(handler, _MARK, False):
            return Path(handler.baseFilename)
    return None
