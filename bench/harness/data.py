"""Data dirs as a first start makes them, and the one the reads and writes share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import PASSWORD


def make_data_dir(path: Path) -> Any:
    """Create a data dir as a first start would (schema, cluster, admin, TLS cert)."""
    from ontap_ipsec.config import Settings
    from ontap_ipsec.store.bootstrap import open_store
    from ontap_ipsec.tls import ensure_self_signed

    ctx = open_store(Settings(data_dir=path, admin_password=PASSWORD), announce=lambda _: None)
    ensure_self_signed(path / "tls")
    return ctx.store.engine


@dataclass
class ReadData:
    """The reads' data dir, the entry the instance GET reads, a pool of CAs per TLS setting."""

    data_dir: Path
    instance_uuid: str
    pools: dict[bool, list[tuple[str, str]]]


def seed_reads(data_dir: Path) -> ReadData:
    """1,000 entries in 50 SVMs, and 400 installed CAs outside the list for the writes."""
    from seed import seed

    engine = make_data_dir(data_dir)
    seeded = seed(engine, n_svms=50, listed_per_svm=20, unlisted_per_svm=8)
    engine.dispose()
    half = len(seeded.unlisted) // 2
    return ReadData(
        data_dir=data_dir,
        instance_uuid=seeded.listed[len(seeded.listed) // 2][1],
        pools={True: seeded.unlisted[:half], False: seeded.unlisted[half:]},
    )
