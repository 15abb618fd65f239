"""1 and 2: each read against the floor app serving a body of the same size."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..constants import AUTH, IPSEC
from ..context import Ctx, log, mode
from ..rounds import interleaved
from ..servers import body_size, running


def read_urls(instance_uuid: str) -> dict[str, str]:
    return {
        "instance": f"{IPSEC}/{instance_uuid}?fields=*",
        "collection20": f"{IPSEC}?max_records=20",
        "collection1000": f"{IPSEC}?fields=*&max_records=1000",
    }


UNCACHED = ("--cache-mib", "0")  # every request rendered from the database


def run(c: Ctx, data_dir: Path, instance_uuid: str, tls_modes: Sequence[bool]) -> None:
    """Ours as served by default (repeated GETs of unchanged data come from its cache of
    rendered responses); with TLS on also ours with that cache off, in the same rounds."""
    urls = read_urls(instance_uuid)
    out = c.results.setdefault("reads", {})
    for tls in tls_modes:
        res: dict[str, Any] = out.setdefault(mode(tls), {})
        with (
            running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls) as ours,
            (
                running(c, kind="cli", app="ours", data_dir=data_dir, tls=tls, extra=UNCACHED)
                if tls
                else contextlib.nullcontext()
            ) as uncached,
            running(c, kind="uvicorn", app="floor", data_dir=data_dir, tls=tls) as f_uv,
            running(c, kind="granian", app="floor", data_dir=data_dir, tls=tls) as f_gr,
        ):
            for name, url in urls.items():
                size = body_size(ours.base + url, AUTH)
                log(f"reads {mode(tls)}: {name} ({size} B): ours, floor uvicorn, floor granian")
                floor_path = f"/floor/{size}"
                targets = {
                    "ours": {"url": ours.base + url},
                    "floor_uvicorn": {"url": f_uv.base + floor_path, "auth": False},
                    "floor_granian": {"url": f_gr.base + floor_path, "auth": False},
                }
                if uncached is not None:
                    targets["ours_uncached"] = {"url": uncached.base + url}
                entry = interleaved(c, targets)
                best = max(("uvicorn", "granian"), key=lambda k: entry[f"floor_{k}"]["rps"])
                floor = entry[f"floor_{best}"]
                res[name] = {
                    **entry,
                    "url": url,
                    "body_bytes": size,
                    "floor_server": best,
                    "ratio_rps": entry["ours"]["rps"] / floor["rps"],
                    "ratio_bytes": entry["ours"]["bytes_per_s"] / floor["bytes_per_s"],
                }
                if tls:
                    res[name]["uncached_ratio_rps"] = entry["ours_uncached"]["rps"] / floor["rps"]
                    res[name]["uncached_ratio_bytes"] = (
                        entry["ours_uncached"]["bytes_per_s"] / floor["bytes_per_s"]
                    )
