"""In-process figures, run by bench/run.py in a fresh interpreter; prints one JSON line.

    inproc.py EXISTING_DATA_DIR FRESH_DATA_DIR RESETS

- create_app + one request: `create_app(settings)` on an existing data dir, an
  in-process client, and GET /api/cluster answered 200. The first one in the
  process includes the imports; then the median of 20 more.
- reset: `app.ctx.backends.reset()` on a store populated before each reset the way a
  test populates it (5 SVMs, 20 installed CAs, 10 of them in the IPsec list,
  5 jobs), median and p90 of RESETS; only the reset is timed.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

PASSWORD = "bench-admin-pw"


def main() -> int:
    existing, fresh, resets = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    t0 = time.perf_counter()
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings
    from ontap_ipsec.inprocess import client


    def create_and_request(data_dir: Path) -> float:
        start = time.perf_counter()
        app = create_app(Settings(data_dir=data_dir), announce=lambda _: None)
        with client(app, auth=("admin", PASSWORD)) as http:
            r = http.get("/api/cluster")
            assert r.status_code == 200, r.text
        app.ctx.store.dispose()
        return time.perf_counter() - start

    create_and_request(existing)
    first = time.perf_counter() - t0
    again = [create_and_request(existing) for _ in range(20)]

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from seed import seed

    app = create_app(Settings(data_dir=fresh), announce=lambda _: None)
    engine = app.ctx.store.engine
    times = []
    for i in range(resets):
        seed(
            engine,
            n_svms=5,
            listed_per_svm=2,
            unlisted_per_svm=2,
            jobs_per_svm=1,
            prefix=f"t{i}-",
        )
        start = time.perf_counter()
        app.ctx.backends.reset()
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        json.dumps(
            {
                "first_create_and_request_ms": first * 1000,
                "create_and_request_ms_median": statistics.median(again) * 1000,
                "resets": resets,
                "reset_ms_median": statistics.median(times) * 1000,
                "reset_ms_p90": times[int(len(times) * 0.9)] * 1000,
                "reset_population": "5 SVMs, 20 CA certificates (10 in IPsec), 5 jobs",
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
