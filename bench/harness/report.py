"""The Markdown report of a run (results/*.md) and the results section of bench/README.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import BENCH, IPSEC
from .context import Ctx

READ_NAMES = {
    "instance": "instance GET `fields=*`",
    "collection20": "collection GET, default fields, 20 records",
    "collection1000": "collection GET `fields=*`, 1,000 records",
}
README_START, README_END = "<!-- results -->", "<!-- /results -->"


@dataclass
class Row:
    section: str
    measure: str
    ours: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None


def _rps(x: dict[str, Any]) -> str:
    return f"{x['rps']:,.0f} req/s, p50 {x['p50_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms"


def _mib_per_s(x: dict[str, Any]) -> str:
    return f"{x['bytes_per_s'] / 2**20:,.1f} MiB/s"


def _tls(mode: str) -> str:
    return "TLS " + ("on" if mode == "tls" else "off")


def _reads(r: dict[str, Any]) -> Iterator[Row]:
    for mode, reads in r.get("reads", {}).items():
        for name, e in reads.items():
            server = e["floor_server"]
            floor = e[f"floor_{server}"]
            label = f"{READ_NAMES[name]} ({e['body_bytes']:,} B), {_tls(mode)}"
            if name == "collection1000":
                ours = f"{_mib_per_s(e['ours'])} ({_rps(e['ours'])})"
                label, theirs, ratio = label + " — bytes/s", _mib_per_s(floor), e["ratio_bytes"]
            else:
                ours, theirs, ratio = _rps(e["ours"]), _rps(floor), e["ratio_rps"]
            yield Row("reads", label, ours, f"{theirs} ({server})", ratio, ">= 0.6x", ratio >= 0.6)
            if "ours_uncached" in e:  # the same requests, the response cache off
                bytes_ = name == "collection1000"
                plain = e["ours_uncached"]
                shown = f"{_mib_per_s(plain)} ({_rps(plain)})" if bytes_ else _rps(plain)
                ratio = e["uncached_ratio_bytes" if bytes_ else "uncached_ratio_rps"]
                measure = label + ", `--cache-mib 0` (every request rendered)"
                yield Row("reads", measure, shown, "the same floor", ratio, "(no target)", None)


def _writes(r: dict[str, Any]) -> Iterator[Row]:
    for mode, w in r.get("writes", {}).items():
        ours = w["ours"]
        yield Row(
            "writes",
            f"POST + DELETE pairs, SQLite WAL/NORMAL, {_tls(mode)}",
            f"{ours['pairs_per_s']:,.0f} pairs/s (p50 {ours['p50_ms']:.2f} ms, "
            f"{ours['errors']} errors)",
            f"{w['floor']['pairs_per_s']:,.0f} pairs/s (bare sqlite3 loop)",
            w["ratio"],
            ">= 0.5x",
            w["ratio"] >= 0.5,
        )
        eight = w.get("ours_8")
        if eight:  # the same with 8 connections: the server's throughput, not a round trip's
            yield Row(
                "writes",
                f"the same with wrk holding 8 connections, {_tls(mode)}",
                f"{eight['pairs_per_s']:,.0f} pairs/s (p50 {eight['p50_ms']:.2f} ms, "
                f"{eight['errors']} errors)",
                "the same floor",
                w["ratio_8"],
                "(no target)",
                None,
            )
        durable = w.get("ours_full")
        if durable:  # what --sync full costs: one fsync per commit
            yield Row(
                "writes",
                f"the same with `serve --sync full` (SQLite synchronous=FULL), {_tls(mode)}; "
                f"{w['full_over_normal']:.2f}x the pairs/s of `--sync normal`",
                f"{durable['pairs_per_s']:,.0f} pairs/s (p50 {durable['p50_ms']:.2f} ms, "
                f"{durable['errors']} errors)",
                f"{w['floor_full']['pairs_per_s']:,.0f} pairs/s (bare sqlite3 loop, FULL)",
                w["ratio_full"],
                "(no target)",
                None,
            )


def _scale(r: dict[str, Any]) -> Iterator[Row]:
    s = r.get("scale")
    if not s:
        return
    n = f"{s['entries']:,} entries / {s['svms']:,} SVMs"
    first = f"first {s['first_page']['p50_ms']:.2f} ms"
    against_first = [
        (f"last page / first page of 100 (p50), {n}, `--cache-mib 0`", "last ", "last_page",
         "ratio_last_first"),
        ("filtered GET `svm.name=...` (100 records) / first page (p50)", "", "filtered",
         "ratio_filtered_first"),
        ("`return_records=false` count / first page (p50)", "", "count", "ratio_count_first"),
    ]  # fmt: skip
    for measure, prefix, name, key in against_first:
        ratio = s[key]
        target, met = ("(no target)", None) if name == "count" else ("<= 1.5", ratio <= 1.5)
        ours = f"{prefix}{s[name]['p50_ms']:.2f} ms"
        yield Row("scale", measure, ours, first, ratio, target, met)
    peak = s.get("Pss_peak", s["VmHWM"])
    yield Row(
        "scale",
        f"peak memory serving all of the above, {n}: Pss summed over the server's "
        f"{s.get('processes', 1)} processes, sampled every 0.2 s, the larger of cache off and on",
        f"{peak:.0f} MiB (VmHWM summed: {s['VmHWM']:.0f} MiB)",
        "",
        None,
        "< 200 MB",
        peak * 2**20 < 200e6,
    )


def _startup(r: dict[str, Any]) -> Iterator[Row]:
    st = r.get("startup")
    if st:
        yield Row(
            "start-up",
            "process start to first 200 from /api/cluster, TLS on (median)",
            f"{st['ours_s'] * 1000:.0f} ms",
            f"{st['floor_s'] * 1000:.0f} ms (floor app, {st.get('floor_server', 'uvicorn')})",
            st["ratio"],
            "<= 1.5x",
            st["ratio"] <= 1.5,
        )
    ip = r.get("inprocess")
    if ip:
        yield Row(
            "start-up",
            "in-process create_app + one request (median; first in process)",
            f"{ip['create_and_request_ms_median']:.1f} ms "
            f"(first {ip['first_create_and_request_ms']:.0f} ms)",
            "",
            None,
            "(no target)",
            None,
        )
        yield Row(
            "reset",
            f"app.ctx.backends.reset() on a populated store (median of {ip['resets']})",
            f"{ip['reset_ms_median']:.2f} ms (p90 {ip['reset_ms_p90']:.2f} ms)",
            "",
            None,
            "< 5 ms",
            ip["reset_ms_median"] < 5,
        )


def _peer(r: dict[str, Any]) -> Iterator[Row]:
    p = r.get("prism")
    if p and "ratio" in p:
        yield Row(
            "peer",
            f"collection GET `{p['url']}`, TLS off, ours / Prism {p['version']}",
            _rps(p["ours"]),
            _rps(p["prism"]),
            p["ratio"],
            ">= 5x",
            p["ratio"] >= 5,
        )


def _strongswan(r: dict[str, Any]) -> Iterator[Row]:
    s = r.get("strongswan")
    if not s:
        return
    if "skipped" in s:
        yield Row(
            "strongswan",
            "REST answer to authority loaded in charon; full reconciliation of 1,000 entries",
            f"skipped: {s['skipped']}",
            "",
            None,
            "p99 < 50 ms; < 1 s",
            None,
        )
        return
    yield Row(
        "strongswan",
        f"REST answer to the authority loaded (POST) or unloaded (DELETE) in a real charon, "
        f"{s['changes']} changes, `serve --strongswan` (its default server, TLS)",
        f"p50 {s['p50_ms']:.1f} ms, p90 {s['p90_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms "
        f"(max {s['max_ms']:.1f} ms)",
        "",
        None,
        "p99 < 50 ms",
        s["p99_ms"] < 50,
    )
    n = f"{s['entries']:,}"
    w = s.get("with_listed")
    if w:
        yield Row(
            "strongswan",
            f"the same with {w['listed']:,} other entries listed (and loaded) throughout",
            f"p50 {w['p50_ms']:.1f} ms, p90 {w['p90_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms "
            f"(max {w['max_ms']:.1f} ms)",
            "",
            None,
            "p99 < 50 ms",
            w["p99_ms"] < 50,
        )
    yield Row(
        "strongswan",
        f"full reconciliation: {n} entries loaded into a daemon holding none (one pass)",
        f"{s['full_ms']:.0f} ms",
        "",
        None,
        "< 1 s",
        s["full_ms"] < 1000,
    )
    yield Row(
        "strongswan",
        f"a resync at {n} entries (lists the daemon's authorities, nothing to change); "
        f"unloading all {n}",
        f"{s['resync_ms']:.1f} ms; {s['unload_ms']:.0f} ms",
        "",
        None,
        "(no target)",
        None,
    )


def rows(r: dict[str, Any]) -> list[Row]:
    parts = (_reads, _writes, _scale, _startup, _peer, _strongswan)
    return [row for part in parts for row in part(r)]


def _markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def table(r: dict[str, Any]) -> str:
    body = []
    for row in rows(r):
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        body.append([row.section, row.measure, row.ours, row.floor, ratio, row.target, met])
    header = ["area", "measure", "ours", "floor / peer", "ratio", "target", "met"]
    return _markdown_table(header, body)


def servers_table(r: dict[str, Any]) -> str:
    s = r.get("servers")
    if not s:
        return ""
    body = [
        [key, f"{e['ours']['rps']:,.0f}", f"{e['floor']['rps']:,.0f}", f"{e['ratio_rps']:.2f}"]
        for key, e in s.items()
    ]
    return _markdown_table(["server / workers", "ours req/s", "floor req/s", "ours / floor"], body)


def commands(c: Ctx) -> list[str]:
    d = f"{c.duration:g}s"
    wrk_read = f"wrk -t1 -c{c.conns} -d{d} --timeout 10s -s bench/wrk/report.lua"
    authed = f'{wrk_read} -H "Authorization: $AUTH" "https://127.0.0.1:$P{IPSEC}'
    return [
        f"make {'bench-quick' if c.quick else 'bench'}   # = .venv/bin/python bench/run.py"
        + (" --quick" if c.quick else ""),
        "ontap-ipsec serve --port $P [--no-tls] [--cache-mib 0]   # ours, "
        "ONTAP_IPSEC_DATA_DIR=<seeded>",
        "python -m uvicorn bench_apps:floor --loop uvloop --http httptools "
        "[--ssl-certfile crt --ssl-keyfile key] --port $P",
        "granian --interface asgi --loop uvloop --http 1 --no-ws [--ssl-certificate crt "
        "--ssl-keyfile key] --port $P bench_apps:floor",
        f'{authed}/$UUID?fields=*"',
        f'{authed}?max_records=20"',
        f'{authed}?fields=*&max_records=1000"',
        f"{wrk_read} https://127.0.0.1:$P/floor/<same size as ours>",
        f'wrk -t2 -c2 -d{d} -s bench/wrk/writes.lua -H "Authorization: $AUTH" '
        f'"https://127.0.0.1:$P{IPSEC}" -- pool.txt 2   # and -t8 -c8 ... pool.txt 8',
        f'wrk -t1 -c1 -d{d} -s bench/wrk/report.lua -H "Authorization: $AUTH" '
        f'"https://127.0.0.1:$P{IPSEC}?max_records=100"   # and the last page, filter, count',
        "prism mock -h 127.0.0.1 -p $P bench/results/openapi.json",
        "STRONGSWAN_CONF=<work>/charon/strongswan.conf unshare --mount --net sh -c "
        "'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon'   # the strongswan rows",
        "ontap-ipsec serve --port $P --strongswan cluster1=unix://<work>/charon/charon.vici"
        "   # POST/DELETE, then list-authorities polled until it shows the change",
    ]


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    v = r["versions"]
    settings = r["settings"]
    parts = [
        f"Run of {r['date']} ({'quick' if r['quick'] else 'full'}, {r['seconds']:.0f} s): "
        f"`{r['command']}`.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}. Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"wrk: {settings['conns']} keep-alive connections on 1 thread (writes: 2 threads, "
        f"2 connections; scale: 1 connection), {settings['duration']} s per run, "
        f"best of {settings['rounds']} interleaved round(s) per figure, after a "
        f"{settings['warmup']} s warm-up. Ours is `ontap-ipsec serve` as it starts by default "
        f"({settings.get('server', 'granian')}, {settings.get('workers', 1)} workers, "
        "its cache of rendered GET responses "
        "on: a repeated GET of unchanged data is answered from it) unless named; every floor runs "
        "as many workers, same TLS setting. "
        "Phase times (s): " + ", ".join(f"{k} {s}" for k, s in r["phase_seconds"].items()) + ".",
        "",
        table(r),
        "",
        "Commands behind the figures (URLs on free loopback ports; `$AUTH` is the admin's Basic "
        "credential; the floor app answers `/floor/<bytes>` with a constant JSON body):",
        "",
        "```sh",
        *r["commands"],
        "```",
    ]
    st = servers_table(r)
    if st:
        parts += [
            "",
            "Server and worker count (instance GET `fields=*`, TLS on, same wrk settings; "
            "the floor app under the same server and workers):",
            "",
            st,
        ]
    return "\n".join(parts) + "\n"


def with_results(text: str, md: str) -> str:
    """`text` with what lies between the results markers replaced by `md` (markers added)."""
    start, end = README_START, README_END
    if start not in text or end not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{md}{end}{tail}"


def update_readme(md: str, readme: Path = BENCH / "README.md") -> None:
    empty = f"# Benchmarks\n\n{README_START}\n{README_END}\n"
    text = readme.read_text() if readme.exists() else empty
    readme.write_text(with_results(text, md))
