"""A socket wrapper that gives each whole VICI call one deadline."""

from __future__ import annotations

import socket
import time


class DeadlineSocket:
    """The socket handed to `vici`: each send/recv gets the time left to the call's deadline.

    `vici.protocol.Transport` calls settimeout(None) after a packet's first byte, which
    would let a daemon that stops mid-packet hang us; its settimeout calls are ignored.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline = time.monotonic()

    def _arm(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("VICI call timed out")
        self.sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self._arm()
        self.sock.sendall(data)

    def recv(self, count: int) -> bytes:
        self._arm()
        return self.sock.recv(count)

    def gettimeout(self) -> float | None:
        return None

    def settimeout(self, _value: float | None) -> None:
        pass

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()
