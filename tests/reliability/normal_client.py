"""A well-behaved client, run as a program of its own: GETs on one keep-alive connection.

    python normal_client.py BASE_URL USER PASSWORD

Every 20 ms a GET of /api/cluster, its latency kept with the moment it began
(`time.monotonic()`, the system's monotonic clock, so comparable with the caller's). A line
`clear` on stdin forgets what was kept so far; the end of stdin stops it, and one JSON object
`{"stamps": [[moment, ms], ...], "failures": [...]}` is written to stdout.

A process of its own, as a real client is: in the test's process it would share one GIL
with the abusers' event loop (1,220 connections, their TLS handshakes) and the samplers of
/proc, and its latencies would be theirs as much as the server's.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import httpx

PAUSE = 0.02


def main(base_url: str, user: str, password: str) -> None:
    stamps: list[tuple[float, float]] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def commands() -> None:
        for line in sys.stdin:
            if line.strip() == "clear":
                with lock:
                    stamps.clear()
                    failures.clear()
        stop.set()

    threading.Thread(target=commands, daemon=True).start()
    with httpx.Client(base_url=base_url, verify=False, auth=(user, password), timeout=10.0) as c:
        while not stop.is_set():
            began = time.monotonic()
            t0 = time.perf_counter()
            failure = None
            try:
                response = c.get("/api/cluster")
                if response.status_code != 200:
                    failure = f"{response.status_code} {response.text[:100]}"
            except httpx.HTTPError as exc:
                failure = repr(exc)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                stamps.append((began, ms))
                if failure:
                    failures.append(failure)
            time.sleep(PAUSE)
    with lock:
        json.dump({"stamps": stamps, "failures": failures}, sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:4])
