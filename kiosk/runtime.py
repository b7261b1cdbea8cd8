"""One runtime for every face of the kiosk: start the parts in order, stop them in reverse, every time.

The parts arrive as callables (``main.py`` chooses them), so this module imports neither Kivy nor
pyserial nor requests::

    store    open_store(config) -> VoteStore
    boxes    button_boxes(config, store, on_vote) -> (config, running boxes or None)
    services each service(config, store) -> something with stop(), or None   (the sync schedule)
    face     face(runtime) -> exit status         (the touch screen, or headless: wait for a signal)

A store that cannot be opened because it is damaged (:class:`kiosk.db.StoreDamagedError` while
starting) is not a fault to restart from: restarting meets the same file. With a screen, the runtime
stops what it had started and runs the ``out_of_service`` face instead (a full-screen notice) until
SIGTERM or Ctrl-C, then returns :data:`EXIT_OUT_OF_SERVICE`; without one it raises the error, worded
for a kiosk that has already stopped.

Whatever happens — the face returns, SIGTERM or Ctrl-C, an exception in the face or in a part's
start — everything started is stopped in reverse order and the store is closed last. A vote that a
button box sends before the face exists is stored and ACKed by the reader, logged by the store, and
handed to the face when it says it is ready; it never raises.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import EMBEDDED_SOURCE, Config, ensure_data_dir
from .db import StoreDamagedError, StoreError, StoreOpenError, file_is_damaged
from .health import ClockSignal, Health
from .notify import Heartbeat, Notifier
from .store import Vote, VoteStore

log = logging.getLogger("kiosk.runtime")

EARLY_VOTES_KEPT = 1000  # votes waiting for the face; more would only be shown as a burst of toasts

# The exit status after the out-of-service screen was stopped (README, "Troubleshooting"): neither 0
# (it took no votes) nor 1 (it did not crash), so a unit or a script can tell the damaged store apart.
EXIT_OUT_OF_SERVICE = 3

VoteSink = Callable[[Vote, int], None]


@dataclass(frozen=True)
class OutOfService:
    """Why the kiosk takes no votes, for the out-of-service screen and the log: the damaged file,
    what SQLite found, and the command that checks it."""
    path: Path
    what: str            # "<path>: the vote database is damaged (<what SQLite found>)"
    verify_command: str  # e.g. "python main.py verify --config /etc/kiosk/kiosk.toml"
    staff: str = ""      # the screen's lines for staff when they are not about a damaged file


    @property
    def todo(self) -> str:
        """What staff should do, in the order they do it (the kiosk has already stopped taking votes)."""
        return (f"the file has not been changed (nothing is written to it): keep it as it is, copy it aside with "
                f"any {self.path.name}-wal beside it, check it with `{self.verify_command}`, restore the latest "
                f"backup into {self.path.parent}, then start the kiosk again")

    @property
    def log_line(self) -> str:
        """The one ERROR line when the out-of-service screen is shown."""
        return (f"out of service: {self.what}; the screen says so and no vote is taken until the kiosk is "
                f"stopped (exit status {EXIT_OUT_OF_SERVICE}); {self.todo}")

    @property
    def headless_line(self) -> str:
        """The one line when there is no screen to show it on: the kiosk has stopped."""
        return f"the kiosk has stopped without taking votes: {self.what}; {self.todo}"


@dataclass(frozen=True)
class ChainHeldElsewhere(OutOfService):
    """An empty store while the central service holds this kiosk's chain (a lost or deleted file): taking
    votes would start the chain again at 1, and the service would refuse them all as conflicts."""
    restore_command: str = "python main.py restore --from-central"

    @property
    def todo(self) -> str:
        """What staff should do: take the chain back before any vote."""
        return (f"no vote is taken, so that the chain continues instead of starting again at 1: stop the kiosk, "
                f"run `{self.restore_command}`, then start it again")

    @property
    def headless_line(self) -> str:
        """The one line when there is no screen to show it on: the kiosk has stopped."""
        return f"the kiosk has stopped without taking votes: {self.what}; {self.todo}"


class NotTakingVotes(StoreError):
    """A start-up check found the kiosk must not take votes yet (:attr:`notice` says why and what to do)."""

    def __init__(self, notice: OutOfService):
        self.notice = notice
        super().__init__(notice.headless_line)


def damaged_store_notice(config: Config, error: StoreDamagedError) -> OutOfService:
    """The notice for a store that ``error`` found damaged."""
    what = str(error).split(" — ", 1)[0]  # the file and SQLite's finding; the advice is re-worded above
    if "is damaged" not in what:  # it failed to open: "<path>: cannot open the vote database: <finding>"
        what = f"{what}: the file is damaged"
    command = "python main.py verify" + ("" if config.source == EMBEDDED_SOURCE else f" --config {config.source}")
    return OutOfService(path=Path(config.db_path), what=what, verify_command=command)


class Runtime:
    """The kiosk's parts, started by :meth:`run` and stopped in reverse order when it returns."""

    def __init__(self, config: Config, *, open_store: Callable[[Config], VoteStore] = VoteStore.from_config,
                 button_boxes: Callable[[Config, VoteStore, VoteSink], tuple[Config, Any]] | None = None,
                 services: Sequence[Callable[[Config, VoteStore], Any]] = (), handle_signals: bool = True,
                 notifier: Notifier | None = None, clock_signal: ClockSignal | None = None,
                 checks: Sequence[Callable[[Config, VoteStore], OutOfService | None]] = (),
                 stable: tuple[float, Callable[[], None]] | None = None):
        self.config = config
        # (seconds, what to call) once the face has served that long: a start that was not part of a
        # crash loop (kiosk.crashloop); cancelled when the kiosk stops first.
        self._stable = stable
        self._stable_timer: threading.Timer | None = None
        self.checks = checks   # before any vote: a notice stops the start (NotTakingVotes)
        self._open_store, self._button_boxes, self._services = open_store, button_boxes, services
        self.handle_signals = handle_signals
        self.store: VoteStore | None = None
        self.boxes: Any = None
        self.running: list[Any] = []   # what the services returned
        self.stop_event = threading.Event()
        self.box_votes = 0
        self._lock = threading.Lock()
        self._sink: VoteSink | None = None
        self._face_stop: Callable[[], None] | None = None
        self._early: deque[tuple[Vote, int]] = deque(maxlen=EARLY_VOTES_KEPT)
        self._stack: list[tuple[str, Callable[[], None]]] = []
        self.soundness: threading.Thread | None = None  # the store's page check, beside the running kiosk
        self._checker: VoteStore | None = None
        self._stopped = False
        # systemd (kiosk.notify): READY=1 when the face is up; the face's own loop calls heartbeat.beat().
        self.started_at = time.time()
        self.clock_signal = clock_signal   # the clock-suspect logic's slot (kiosk.health.ClockSignal)
        self.health: Health | None = None
        self.notifier = notifier or Notifier.from_environ()
        self.heartbeat = Heartbeat(self.notifier, self._status_line)

    # --- the face's side ----------------------------------------------------------------------

    def face_ready(self, on_vote: VoteSink | None = None, stop: Callable[[], None] | None = None) -> None:
        """The face is up: button-box votes go to ``on_vote`` from now on (those that came earlier
        first, in order), and ``stop()`` is how the runtime asks the face to end."""
        with self._lock:
            self._sink, self._face_stop = on_vote, stop
            early, self._early = list(self._early), deque(maxlen=EARLY_VOTES_KEPT)
            for vote, box in early:
                self._deliver(on_vote, vote, box)
        log.info("face ready (%d button-box vote(s) came while it was starting)", len(early))
        self.heartbeat.ready()
        if self._stable is not None and self._stable_timer is None:
            self._stable_timer = threading.Timer(*self._stable)
            self._stable_timer.daemon = True
            self._stable_timer.start()
        if self.stop_event.is_set() and stop is not None:
            stop()  # a signal came while the face was starting

    def _status_line(self) -> str:
        """systemd's status line; the health file for ``doctor`` goes with it (read on the face's loop)."""
        if self.health is None:
            return "không nhận phiếu: ngừng phục vụ / out of service"
        self.health.write_file()
        return self.health.status_line()

    def scheduler(self) -> Any:
        """The running service that can sync now (the manager's button), or None."""
        return next((r for r in self.running if hasattr(r, "sync_now")), None)

    # --- the parts' side ----------------------------------------------------------------------

    def on_vote(self, vote: Vote, box: int) -> None:
        """Called on a reader thread once a button-box vote is committed and ACKed."""
        with self._lock:
            self.box_votes += 1
            if self._sink is None:
                self._early.append((vote, box))  # the face is not up yet: it gets them when it is
                return
            self._deliver(self._sink, vote, box)

    @staticmethod
    def _deliver(sink: VoteSink | None, vote: Vote, box: int) -> None:
        if sink is None:
            return
        try:
            sink(vote, box)
        except Exception:  # stored and ACKed already: the face's failure must not reach the reader
            log.exception("vote #%d is stored; the screen could not show it", vote.seq)

    def request_stop(self, why: str = "stop requested") -> None:
        """Ask the face to end; :meth:`run` then stops the parts. Safe from a signal handler."""
        first = not self.stop_event.is_set()
        self.stop_event.set()  # before logging: a second signal may interrupt this very handler
        if first:
            log.info("%s: finishing the press in hand and stopping", why)
            self.notifier.stopping()
        stop = self._face_stop
        if stop is not None:
            stop()

    # --- start and stop -----------------------------------------------------------------------

    def _started(self, name: str, stop: Callable[[], None]) -> None:
        self._stack.append((name, stop))

    def start(self) -> "Runtime":
        """Open the store, then start the button boxes and the services (stop with :meth:`stop`)."""
        ensure_data_dir(self.config)
        self.store = store = self._open_store(self.config)
        self._started("the vote store", store.close)
        log.info("store open: %s (%d votes)", store.path, store.count())
        for check in self.checks:
            notice = check(self.config, store)
            if notice is not None:
                raise NotTakingVotes(notice)
        if self._button_boxes is not None:
            self.config, self.boxes = self._button_boxes(self.config, store, self.on_vote)
            if self.boxes is not None:
                self._started("the button boxes", self.boxes.stop)
        for service in self._services:
            running = service(self.config, store)
            self.running.append(running)
            if running is not None and hasattr(running, "stop"):
                self._started(getattr(running, "name", type(running).__name__), running.stop)
        self.health = Health(self.config, store, started_at=self.started_at, boxes=self.boxes,
                             clock_signal=self.clock_signal)
        # Last: a start that fails on the damage (say a box reading its last presses) reports it once.
        self.soundness = threading.Thread(target=self._check_soundness, name="store soundness check", daemon=True)
        self.soundness.start()
        return self

    def _check_soundness(self) -> None:
        """Read every page of the store's file once, on a connection of its own, beside the running kiosk.

        Opening reads only a few pages, so a file damaged elsewhere starts and takes votes; the centre
        must still hear of it (the log, at ERROR, with what to do). Seconds on a year of votes, in WAL
        mode without blocking a vote; the kiosk keeps running: a vote it can still store is not lost."""
        from .db import StoreError
        from .soundness import refuse_if_damaged
        checker = None
        try:
            checker = self._checker = VoteStore.open(self.config.db_path, kiosk_id=self.config.kiosk_id,
                                                     tz=self.config.tz, scale=self.config.scale_id, create=False)
            refuse_if_damaged(checker)
            log.info("store checked: every page of %s reads back", checker.path)
        except StoreError as e:
            log.error("%s", e)
        except Exception:
            if not self.stop_event.is_set():  # not merely interrupted by the stop
                log.exception("the store's soundness check could not run")
        finally:
            self._checker = None
            if checker is not None:
                checker.close()

    def stop(self) -> None:
        """Stop everything started, in reverse order; a part that fails to stop does not keep the
        others running. Safe to call twice."""
        if self._stable_timer is not None:
            self._stable_timer.cancel()
        with self._lock:
            self._sink = self._face_stop = None  # votes from now on are stored and logged only
        if self.soundness is not None and self.soundness.is_alive():
            self.stop_event.set()
            checker = self._checker
            if checker is not None:
                checker.conn.interrupt()  # a page check of a big file need not finish before the kiosk stops
            self.soundness.join(10)
        while self._stack:
            name, stop = self._stack.pop()
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)
        if self.store is not None and not self._stopped:
            log.info("stopped: %d button-box vote(s) in this run; the store is closed", self.box_votes)
        self._stopped = True

    def run(self, face: Callable[["Runtime"], int],
            out_of_service: Callable[["Runtime", OutOfService], int] | None = None) -> int:
        """Start the parts, run ``face(self)`` until it returns (or a signal ends it), stop the parts.

        Returns the face's exit status. An exception from the face or from a start propagates, after
        everything started has been stopped. A store found damaged while starting is the exception:
        with ``out_of_service`` (a face that can show it), the parts are stopped, the notice is logged
        once at ERROR and ``out_of_service(self, notice)`` runs until a signal ends it (its status,
        :data:`EXIT_OUT_OF_SERVICE`, is returned); without, the error is raised worded as
        :attr:`OutOfService.headless_line`.
        """
        previous = self._install_signals()
        try:
            try:
                self.start()
            except (StoreDamagedError, StoreOpenError) as e:
                if isinstance(e, StoreOpenError) and not file_is_damaged(self.config.db_path):
                    raise  # locked, unreadable, from a newer version: not what the notice is for
                self.stop()  # nothing holds the damaged file open while the notice is shown
                self.health = None  # its store is closed: the status line says out of service
                notice = damaged_store_notice(self.config, e)
                if out_of_service is None:
                    raise StoreDamagedError(notice.headless_line) from None
                log.error("%s", notice.log_line)
                self._face_stop = None
                return out_of_service(self, notice)
            except NotTakingVotes as e:
                self.stop()
                if out_of_service is None:
                    raise
                log.error("%s", e.notice.log_line)
                self._face_stop = None
                return out_of_service(self, e.notice)
            if self.stop_event.is_set():
                return 0  # a signal came during start-up
            status = face(self)
            if self._stable is not None:
                self._stable[1]()   # the face ended as asked (a stop, Ctrl-C): not a crash, whatever its length
            return status
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _install_signals(self) -> dict:
        previous: dict = {}
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return previous

        def handler(signum, _frame) -> None:
            self.request_stop(f"{signal.Signals(signum).name} received")

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            previous[sig] = signal.signal(sig, handler)
        return previous
