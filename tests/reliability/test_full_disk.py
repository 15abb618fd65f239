"""A full file system: writes refused in ONTAP's envelope, reads served, nothing lost, and
writes accepted again once there is room, without a restart.

The data dir is a small tmpfs (12 MiB, mounted by the test: root). Certificates are
installed and listed for IPsec, a file filling the tmpfs to its last byte is written,
and the writes go on until the database cannot grow; `size(1, 3)` times. While it is
full: every write is answered either as usual or 507 with code 7 (docs/fidelity.md,
"Storage"); never a 500; reads answer 200 with every acknowledged write; `PRAGMA
integrity_check` is ok. Once the filler is removed, the same serve processes acknowledge
writes again and everything acknowledged is still there.
"""

from __future__ import annotations

import errno
import subprocess
import time
from pathlib import Path

from ontap_ipsec.seeding import generate_ca
from tests.reliability.load import (
    CERTS,
    IPSEC,
    Clock,
    Op,
    call,
    certificates_over_api,
    client,
    group,
    listed_over_api,
    record_of,
    report,
    stored_sqlite,
)
from tests.reliability.sizes import size
from tests.requirements import need

ROUNDS = size(1, 3)
TMPFS_MIB = 12
FULL_STATUS, FULL_CODE = 507, "7"
BEFORE = size(10, 40)  # writes of each round before the file system is filled
MAX_WRITES = 2000  # per round, before the disk must have said it is full


def _mount(where: Path) -> None:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MIB}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    need(done.returncode == 0, f"mounting a tmpfs needs root: {done.stderr.strip()}")


def _umount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(path: Path) -> int:
    """Write `path` until the file system has no byte left; its size."""
    chunk = b"\0" * 65536
    written = 0
    with open(path, "ab", buffering=0) as out:
        for size_ in (65536, 4096, 512, 1):
            while True:
                try:
                    written += out.write(chunk[:size_])
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    return written


def test_full_file_system_refuses_writes_keeps_reads_and_recovers(tmp_path: Path) -> None:
    clock = Clock()
    mount = tmp_path / "mnt"
    _mount(mount)
    try:
        _run(mount, tmp_path / "logs", clock)
    finally:
        _umount(mount)


def _run(mount: Path, logs: Path, clock: Clock) -> None:
    data_dir = mount / "data"
    acked_certs: set[str] = set()
    acked_entries: set[str] = set()
    refused = writes_while_full = reads_while_full = 0
    n = 0
    with group(data_dir, logs) as server, client(server) as http:

        def write() -> Op:
            nonlocal n
            n += 1
            pem = generate_ca(f"full-{n}")[0]
            body = {"type": "server_ca", "name": f"full-{n}", "public_certificate": pem}
            op = call(http, 0, "cert", "", "POST", f"{CERTS}?return_records=true", json=body)
            if op.status == 201:
                uuid = record_of(op)["uuid"]
                acked_certs.add(uuid)
                listing = {"certificate": {"uuid": uuid}}
                entry = call(http, 0, "add", uuid, "POST", IPSEC, json=listing)
                _judge(entry)
                if entry.status == 201:
                    acked_entries.add(uuid)
            return op

        for _ in range(ROUNDS):
            for _ in range(BEFORE):  # with room: acknowledged, to be kept through it all
                assert write().status == 201
            filler = mount / "filler"
            _fill(filler)
            for _ in range(MAX_WRITES):
                op = write()
                _judge(op)
                if op.status == FULL_STATUS:
                    break
            else:
                raise AssertionError(f"{MAX_WRITES} writes on a full file system all succeeded")
            refused += 1
            for _ in range(5):  # full: refused again, in the envelope, the state unchanged
                op = write()
                _judge(op)
                writes_while_full += 1
                refused += op.status == FULL_STATUS
                reads_while_full += _check_state(http, data_dir, acked_certs, acked_entries)
            assert server.process.poll() is None

            filler.unlink()
            deadline = time.monotonic() + 5
            while True:
                op = write()
                _judge(op)
                if op.status == 201:
                    break
                assert time.monotonic() < deadline, f"writes still refused with room: {op}"
                time.sleep(0.1)
            _check_state(http, data_dir, acked_certs, acked_entries)
        assert server.process.poll() is None
        log = server.output()  # a warning per refused write, no traceback
        assert "database full: " in log and "Traceback" not in log, log[-3000:]
    report(
        "full_disk",
        rounds=ROUNDS,
        tmpfs_mib=TMPFS_MIB,
        acknowledged_certificates=len(acked_certs),
        acknowledged_entries=len(acked_entries),
        refused_507=refused,
        writes_while_full=writes_while_full,
        reads_while_full=reads_while_full,
        lost=0,
        wall_seconds=clock(),
    )


def _judge(op: Op) -> None:
    """A write's answer is the usual one or the full file system's envelope."""
    assert op.status is not None, f"no answer: {op}"
    if op.status == FULL_STATUS:
        assert op.code == FULL_CODE and op.body["error"]["message"], op
    else:
        assert op.status == 201, op


def _check_state(http: object, data_dir: Path, certs: set[str], entries: set[str]) -> int:
    """Every acknowledged write is served and stored; the file is sound. Reads made."""
    served_certs = certificates_over_api(http)  # type: ignore[arg-type]
    served_entries = {e["certificate"]["uuid"] for e in listed_over_api(http)}  # type: ignore[arg-type]
    assert set(served_certs) == certs
    assert served_entries == entries
    db = stored_sqlite(data_dir / "ontap-ipsec.db")
    assert db.integrity == "ok", db.integrity
    assert db.broken == {} and db.listed == entries
    return 2
