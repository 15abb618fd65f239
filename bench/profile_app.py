"""Profile one benchmark request in-process (no server, no TLS) with pyinstrument.

    .venv/bin/python bench/profile_app.py instance|collection20|collection1000|writes|lastpage [N]

Builds a data dir like the harness's (bench/harness/) (1,000 entries in 50 SVMs; `lastpage`:
100,000 in 1,000 SVMs), drives N requests through ontap_ipsec.inprocess, and
prints pyinstrument's call tree (the app's own share of a request's cost).
Needs `pip install pyinstrument` in the venv.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.constants import IPSEC, PASSWORD  # noqa: E402
from harness.data import make_data_dir  # noqa: E402
from harness.phases.reads import read_urls  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from seed import seed  # noqa: E402


def main() -> int:
    scenario = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    from ontap_ipsec.app import create_app
    from ontap_ipsec.config import Settings
    from ontap_ipsec.inprocess import client

    with tempfile.TemporaryDirectory(prefix="ontap-prof-") as tmp:
        data = Path(tmp)
        engine = make_data_dir(data)
        if scenario == "lastpage":
            seeded = seed(engine, n_svms=1000, listed_per_svm=100)
        else:
            seeded = seed(engine, n_svms=50, listed_per_svm=20, unlisted_per_svm=8)
        engine.dispose()
        app = create_app(Settings(data_dir=data), announce=lambda _: None)
        http = client(app, auth=("admin", PASSWORD))
        urls = read_urls(seeded.listed[len(seeded.listed) // 2][1])
        if scenario == "lastpage":
            url: str | None = f"{IPSEC}?max_records=100"
            last = url
            while url:
                last = url
                url = http.get(url).json().get("_links", {}).get("next", {}).get("href")
            urls["lastpage"] = last

        def once(i: int) -> None:
            if scenario == "writes":
                svm, cert = seeded.unlisted[i % len(seeded.unlisted)]
                body = {"certificate": {"uuid": cert}, "svm": {"name": svm}}
                assert http.post(IPSEC, json=body).status_code == 201
                assert http.delete(f"{IPSEC}/{cert}").status_code == 200
            else:
                assert http.get(urls[scenario]).status_code == 200

        once(0)
        profiler = Profiler(interval=0.0005)
        t0 = time.perf_counter()
        profiler.start()
        for i in range(n):
            once(i)
        profiler.stop()
        per = (time.perf_counter() - t0) / n * 1000
        print(f"{scenario}: {per:.2f} ms per iteration in-process (profiled)")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        http.close()
        app.ctx.store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
