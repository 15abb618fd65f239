"""Data for the benchmarks, bulk-inserted with SQLAlchemy Core into the service's tables.

Every certificate row carries the same real CA certificate PEM (one RSA-2048
self-signed CA made per run) with its own uuid, name, serial and
issuer_serial: the reads measured never parse the PEM, and signing 100,000
certificates would dominate the run. Rows are otherwise what a POST of an
installed root CA stores (see resources/certificates.py).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ontap_ipsec.store.tables import certificates, ipsec_ca_certificates, jobs, svms

BATCH = 5_000


@lru_cache(maxsize=1)
def ca_pem() -> tuple[str, str]:
    """(PEM, sha256 of the issuer DER) of one self-signed RSA-2048 CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-ca")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem, hashlib.sha256(cert.issuer.public_bytes()).hexdigest()


@dataclass
class Seeded:
    svm_names: list[str] = field(default_factory=list)
    listed: list[tuple[str, str]] = field(default_factory=list)  # (svm name, cert uuid)
    unlisted: list[tuple[str, str]] = field(default_factory=list)


def svm_row(name: str, now: datetime) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),
        "name": name,
        "comment": None,
        "language": "c.utf_8",
        "state": "running",
        "subtype": "default",
        "ipspace_name": "Default",
        "ipspace_uuid": "00000000-0000-4000-8000-000000000001",
        "snapshot_policy_name": "default",
        "snapshot_policy_uuid": "00000000-0000-4000-8000-000000000002",
        "created": now,
    }


def cert_row(svm_uuid: str, serial: int, pem: str, issuer: str, now: datetime) -> dict[str, object]:
    serial_hex = f"{serial:X}"
    return {
        "uuid": str(uuid.uuid4()),
        "name": f"bench-ca_{serial_hex}",
        "svm_uuid": svm_uuid,
        "scope_key": svm_uuid,
        "type": "root_ca",
        "common_name": "bench-ca",
        "serial_number": serial_hex,
        "ca": "bench-ca",
        "not_before": now - timedelta(minutes=5),
        "expiry_time": now + timedelta(days=365),
        "hash_function": "sha256",
        "key_type": "rsa",
        "key_size": 2048,
        "subject_key_identifier": None,
        "authority_key_identifier": None,
        "san_dns": None,
        "san_email": None,
        "san_ip": None,
        "san_uri": None,
        "public_certificate": pem,
        "private_key": None,
        "intermediate_certificates": None,
        "is_ca": True,
        "issuer_serial": f"{issuer}:{serial_hex}",
        "created": now,
    }


def _batches(rows: list[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def seed(
    engine: sa.Engine,
    *,
    n_svms: int,
    listed_per_svm: int,
    unlisted_per_svm: int = 0,
    jobs_per_svm: int = 0,
    prefix: str = "svm",
    serial_base: int = 0x1000,
) -> Seeded:
    """SVMs `<prefix>0000...`, each with CA certificates, `listed_per_svm` of them in IPsec."""
    pem, issuer = ca_pem()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    out = Seeded()
    svm_rows, cert_rows, ipsec_rows, job_rows = [], [], [], []
    serial = serial_base
    for i in range(n_svms):
        svm = svm_row(f"{prefix}{i:04d}", now)
        svm_rows.append(svm)
        out.svm_names.append(str(svm["name"]))
        for j in range(listed_per_svm + unlisted_per_svm):
            serial += 1
            cert = cert_row(str(svm["uuid"]), serial, pem, issuer, now)
            cert_rows.append(cert)
            pair = (str(svm["name"]), str(cert["uuid"]))
            if j < listed_per_svm:
                out.listed.append(pair)
                ipsec_rows.append(
                    {
                        "certificate_uuid": cert["uuid"],
                        "svm_uuid": svm["uuid"],
                        "scope_key": svm["uuid"],
                        "is_ca": True,
                        "created": now,
                    }
                )
            else:
                out.unlisted.append(pair)
        for _ in range(jobs_per_svm):
            job_rows.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "description": f"POST /api/svm/svms/{svm['uuid']}",
                    "state": "success",
                    "message": "success",
                    "code": 0,
                    "start_time": now,
                    "end_time": now,
                    "svm_uuid": svm["uuid"],
                    "svm_name": svm["name"],
                }
            )
    with engine.begin() as conn:
        for table, rows in (
            (svms, svm_rows),
            (certificates, cert_rows),
            (ipsec_ca_certificates, ipsec_rows),
            (jobs, job_rows),
        ):
            if not rows:
                continue
            if conn.dialect.name != "sqlite":
                for batch in _batches(rows):
                    conn.execute(table.insert(), batch)
                continue
            # The table's own INSERT, compiled once by SQLAlchemy, run as executemany with
            # values in the forms SQLAlchemy's SQLite types store (3x faster than dicts).
            compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(rows[0]))
            order = compiled.positiontup or []
            sql = str(compiled)
            for batch in _batches(rows):
                conn.exec_driver_sql(sql, [tuple(_sqlite(r[k]) for k in order) for r in batch])
    return out


def _sqlite(value: object) -> object:
    kind = type(value)
    if kind is datetime:
        return _sqlite_datetime(value)  # type: ignore[arg-type]
    if kind is bool:
        return int(value)  # type: ignore[call-overload]
    return value


@lru_cache(maxsize=64)
def _sqlite_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")
