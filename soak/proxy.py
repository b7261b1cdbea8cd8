"""The network between the kiosk and the service: tests/fault_proxy.py's faults, and a cut.

While cut, a connection is accepted and then nothing comes back, as when a cable or the mobile link
is down: the kiosk's client waits for its timeout. Restored, requests pass again (with the ordinary
faults of a poor link: an answer lost after the commit, a truncated one, a request sent twice).
"""

from __future__ import annotations

import socket
import threading

from tests.fault_proxy import FaultProxy

POOR_LINK = {"pass": 80, "drop_after_commit": 5, "truncated": 4, "duplicate": 4, "busy_503": 4,
             "timeout_after_commit": 3}
CLEAN = {"pass": 1}
CUT_HOLD_S = 30.0   # the longest a connection is held during a cut; the kiosk gives up sooner


class CuttableProxy(FaultProxy):
    """A :class:`FaultProxy` with :meth:`cut` and :meth:`restore`, and its fault mix changeable."""

    def __init__(self, upstream: tuple[str, int], seed: int, stall_s: float):
        super().__init__(upstream, POOR_LINK, seed=seed, stall_s=stall_s, max_stalls=10**9)
        self._restored = threading.Event()
        self._restored.set()
        self.cuts = 0

    @property
    def is_cut(self) -> bool:
        """Whether the network is down now."""
        return not self._restored.is_set()

    def cut(self) -> None:
        """Take the network down: connections hang without an answer."""
        self.cuts += 1
        self._restored.clear()

    def restore(self) -> None:
        """Bring the network back; held connections are closed unanswered."""
        self._restored.set()

    def set_faults(self, weights: dict[str, float]) -> None:
        """Change the mix of faults for the requests to come."""
        with self._lock:
            self.kinds, self.weights = zip(*weights.items())

    def _handle(self, sock: socket.socket) -> None:
        if self.is_cut:
            self._restored.wait(CUT_HOLD_S)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        super()._handle(sock)
