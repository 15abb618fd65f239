"""What the telemetry layer (request id, figures, in-flight count) costs a GET, in-process.

    .venv/bin/python bench/telemetry_overhead.py [ROUNDS]

Raw ASGI calls, no sockets and no HTTP client, on one event loop: GET /api/cluster through
the whole app (`app(...)`) and through the same app below the layer (`app._http`), in
interleaved rounds, answered from the response cache and with the cache off. Prints the
best round of each (the least disturbed by whatever else runs on the machine), per request.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ontap_ipsec.app import create_app
from ontap_ipsec.config import Settings

PASSWORD = "bench-pw"
AUTH = b"Basic " + base64.b64encode(f"admin:{PASSWORD}".encode())


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", AUTH)],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: Any) -> None:
    pass


async def _per_request(call: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call(_scope("/api/cluster"), _receive, _send)
    return (time.perf_counter() - start) / n


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    data = Path(tempfile.mkdtemp()) / "data"
    loop = asyncio.new_event_loop()
    for cache_mib, n in ((16, 2000), (0, 400)):
        app = create_app(
            Settings(data_dir=data, admin_password=PASSWORD, cache_mib=cache_mib),
            announce=lambda _m: None,
        )
        with_layer, without = [], []
        loop.run_until_complete(_per_request(app, 200))
        for _ in range(rounds):
            with_layer.append(loop.run_until_complete(_per_request(app, n)))
            without.append(loop.run_until_complete(_per_request(app._http, n)))
        a, b = min(with_layer) * 1e6, min(without) * 1e6
        kind = "cached" if cache_mib else "uncached (cache off)"
        print(f"GET /api/cluster {kind}: {a:.2f} us with telemetry, {b:.2f} us without, "
              f"+{a - b:.2f} us ({(a - b) / b:.0%})")
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
