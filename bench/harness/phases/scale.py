"""4: 100,000 entries across 1,000 SVMs: paging, filter, count, peak RSS."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ..constants import AUTH, IPSEC
from ..context import Ctx, log
from ..data import make_data_dir
from ..rounds import interleaved
from ..servers import running
from ..wrk import wrk

# each measure against the first page, by p50: (measure, key of the ratio)
AGAINST_FIRST = (
    ("last_page", "ratio_last_first"),
    ("filtered", "ratio_filtered_first"),
    ("count", "ratio_count_first"),
)


def walk(base: str, first: str, limit: int) -> dict[str, Any]:
    """Follow `_links.next` from `first` to the last page (at most `limit` pages)."""
    import httpx

    pages = 0
    records = 0
    last = first
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, verify=False, headers=AUTH, timeout=60) as client:
        url: str | None = first
        while url is not None:
            r = client.get(url)
            r.raise_for_status()
            body = r.json()
            pages += 1
            records += len(body["records"])
            last = url
            url = body.get("_links", {}).get("next", {}).get("href")
            if pages > limit:  # bounded whatever the server says
                raise RuntimeError("next links do not end")
    seconds = round(time.perf_counter() - t0, 2)
    return {"pages": pages, "records": records, "seconds": seconds, "last": last}


def memory_mib(pid: int) -> dict[str, float]:
    """VmHWM, VmRSS and Pss of a server, in MiB, summed over its process and every
    descendant (granian's workers are processes of their own). The VmHWM sum bounds the
    peak from above (pages the workers share with their parent count once per process);
    Pss, now, shares them out and sums to what the server really holds."""
    out = {"VmHWM": 0.0, "VmRSS": 0.0, "Pss": 0.0, "processes": 0}
    for one in _tree(pid):
        try:
            lines = Path(f"/proc/{one}/status").read_text().splitlines()
            lines += Path(f"/proc/{one}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        out["processes"] += 1
        for line in lines:
            if line.startswith(("VmHWM:", "VmRSS:", "Pss:")):
                key, value = line.split(":", 1)
                out[key] += int(value.split()[0]) / 1024
    return out


class PeakMemory:
    """Samples a server's memory (:func:`memory_mib`) every `every` seconds while in use.

    `Pss` summed over the processes counts each page once, shared pages shared out: the
    memory the server holds. Its largest sample is the server's peak; the VmHWM sum beside
    it counts the pages the workers share with their parent once per process.
    """

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every = pid, every
        self.peak_pss = 0.0
        self.samples = 0
        self.result_at_exit: dict[str, float] = {}  # the last state, with the peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def _sample(self) -> None:
        now = memory_mib(self.pid)
        self.peak_pss = max(self.peak_pss, now["Pss"])
        self.samples += 1

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # the last state too, while the server still runs
        last = memory_mib(self.pid)
        self.result_at_exit = {**last, "Pss_peak": self.peak_pss, "samples": self.samples}


def _tree(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        todo.extend(parents.get(one, []))
    return found


def run(c: Ctx, n_svms: int, per_svm: int) -> None:
    data_dir = c.work / "scale"
    engine = make_data_dir(data_dir)
    from seed import seed

    log(f"scale: seeding {n_svms * per_svm} entries across {n_svms} SVMs (SQLAlchemy Core)")
    t0 = time.perf_counter()
    seeded = seed(engine, n_svms=n_svms, listed_per_svm=per_svm)
    engine.dispose()
    out: dict[str, Any] = {
        "entries": len(seeded.listed),
        "svms": n_svms,
        "seed_seconds": round(time.perf_counter() - t0, 1),
    }
    c.results["scale"] = out
    filter_svm = f"svm{min(421, n_svms - 1):04d}"
    # Latencies with the response cache off: every request runs its query, which is what
    # scale is about (a cache hit costs the same on any page). Memory with it on (the
    # default), after the same walk has filled it: the larger of the two peaks is reported.
    # Memory is sampled throughout both (PeakMemory).
    with (
        running(
            c, kind="cli", app="ours", data_dir=data_dir, tls=True, extra=("--cache-mib", "0")
        ) as ours,
        PeakMemory(ours.pid) as uncached_memory,
    ):
        first = f"{IPSEC}?max_records=100"
        log("scale: following next links from the first page to the last (cache off)")
        walked = walk(ours.base, first, n_svms * per_svm)
        last = walked.pop("last")
        out["walk"] = walked
        urls = {
            "first_page": first,
            "last_page": last,
            "filtered": f"{IPSEC}?svm.name={filter_svm}",
            "count": f"{IPSEC}?return_records=false",
        }
        log("scale: first page, last page, filtered, count (1 connection each, interleaved)")
        measured = interleaved(
            c, {name: {"url": ours.base + path, "conns": 1} for name, path in urls.items()}
        )
        for name, path in urls.items():
            out[name] = {**measured[name], "url": path}
        for name, key in AGAINST_FIRST:
            out[key] = out[name]["p50_ms"] / out["first_page"]["p50_ms"]
    out["memory_uncached"] = uncached_memory.result_at_exit
    with (
        running(c, kind="cli", app="ours", data_dir=data_dir, tls=True) as ours,
        PeakMemory(ours.pid) as cached_memory,
    ):
        log("scale: the same walk and requests with the cache on (the default), for memory")
        walk(ours.base, first, n_svms * per_svm)
        for path in urls.values():
            wrk(c, ours.base + path, conns=1, warmup=False)
    out["memory_cached"] = cached_memory.result_at_exit
    peak = max((out["memory_uncached"], out["memory_cached"]), key=lambda m: m["Pss_peak"])
    out.update(peak)
    out["db_mib"] = (data_dir / "ontap-ipsec.db").stat().st_size / 2**20
