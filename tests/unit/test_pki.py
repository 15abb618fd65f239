"""Issuing certificates (self-signed, CSR signing) and sealing private keys."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.pki import KeyVault, create_self_signed, sign_csr
from ontap_ipsec.domain.x509 import check_key_matches, parse_certificate
from tests.certs import cached_key, csr_pem, key_pem, make_ca, make_csr, pem


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


def _load(cert_pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_pem.encode())


def _ext(
    cert: x509.Certificate, kind: type[x509.ExtensionType]
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- create_self_signed --------------------------------------------------------------


@pytest.mark.parametrize("key_size", [2048, 3072, 4096])
def test_self_signed_ca_has_requested_key_size_and_parses_back(
    now: datetime, key_size: int
) -> None:
    not_after = now + timedelta(days=365)
    cert_pem, stored_key = create_self_signed(
        common_name="ipsec-ca", key_size=key_size, not_after=not_after, now=now, is_ca=True
    )
    info = parse_certificate(cert_pem, now=now)
    assert (info.key_type, info.key_size) == ("rsa", key_size)
    assert info.is_ca and info.is_self_signed
    assert info.common_name == info.ca == "ipsec-ca"
    assert info.hash_function == "sha256"
    assert check_key_matches(info, stored_key) == stored_key
    assert stored_key.startswith("-----BEGIN PRIVATE KEY-----\n")


@pytest.mark.parametrize("hash_function", ["sha224", "sha256", "sha384", "SHA512"])
def test_self_signed_uses_requested_hash(now: datetime, hash_function: str) -> None:
    cert_pem, _ = create_self_signed(
        common_name="hashy",
        hash_function=hash_function,
        not_after=now + timedelta(days=30),
        now=now,
        is_ca=True,
    )
    assert parse_certificate(cert_pem, now=now).hash_function == hash_function.lower()


def test_self_signed_ca_extensions_and_validity(now: datetime) -> None:
    not_after = now + timedelta(days=730)
    cert_pem, _ = create_self_signed(common_name="Root", not_after=not_after, now=now, is_ca=True)
    cert = _load(cert_pem)
    constraints = _ext(cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca  # type: ignore[attr-defined]
    usage = _ext(cert, x509.KeyUsage).value
    assert isinstance(usage, x509.KeyUsage)
    assert usage.key_cert_sign and usage.crl_sign and usage.digital_signature
    assert not usage.key_encipherment
    ski = _ext(cert, x509.SubjectKeyIdentifier).value
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value
    assert isinstance(ski, x509.SubjectKeyIdentifier)
    assert isinstance(aki, x509.AuthorityKeyIdentifier)
    assert aki.key_identifier == ski.digest
    with pytest.raises(x509.ExtensionNotFound):
        _ext(cert, x509.SubjectAlternativeName)
    assert cert.not_valid_before_utc == (now - timedelta(minutes=1)).replace(microsecond=0)
    assert cert.not_valid_after_utc == not_after.replace(microsecond=0)
    assert 0 < cert.serial_number < 2**64
    cert.verify_directly_issued_by(cert)


def test_self_signed_server_certificate_names_itself_in_san(now: datetime) -> None:
    cert_pem, stored_key = create_self_signed(
        common_name="vserver1.example.com",
        not_after=now + timedelta(days=30),
        now=now,
        is_ca=False,
    )
    info = parse_certificate(cert_pem, now=now)
    assert not info.is_ca and info.is_self_signed
    assert info.subject_alternatives == {"dns": ["vserver1.example.com"]}
    check_key_matches(info, stored_key)
    cert = _load(cert_pem)
    usage = _ext(cert, x509.KeyUsage).value
    assert isinstance(usage, x509.KeyUsage)
    assert usage.digital_signature and usage.key_encipherment and not usage.key_cert_sign
    assert not _ext(cert, x509.BasicConstraints).value.ca  # type: ignore[attr-defined]


def test_self_signed_serials_are_random(now: datetime) -> None:
    serials = {
        parse_certificate(
            create_self_signed(
                common_name="s", not_after=now + timedelta(days=2), now=now, is_ca=True
            )[0],
            now=now,
        ).serial_number
        for _ in range(3)
    }
    assert len(serials) == 3


@pytest.mark.parametrize("key_size", [512, 1024, 1536, 2047, 8192, 0])
def test_unsupported_key_size_is_refused_with_3735700(now: datetime, key_size: int) -> None:
    with pytest.raises(DomainError) as exc:
        create_self_signed(
            common_name="x",
            key_size=key_size,
            not_after=now + timedelta(days=2),
            now=now,
            is_ca=True,
        )
    assert (exc.value.code, exc.value.target) == ("3735700", "key_size")
    assert exc.value.message == "The specified key size is not supported."


@pytest.mark.parametrize("hash_function", ["md5", "sha1", "SHA1"])
def test_weak_hash_is_refused_with_52560173(now: datetime, hash_function: str) -> None:
    with pytest.raises(DomainError) as exc:
        create_self_signed(
            common_name="x",
            hash_function=hash_function,
            not_after=now + timedelta(days=2),
            now=now,
            is_ca=True,
        )
    assert (exc.value.code, exc.value.target) == ("52560173", "hash_function")
    assert exc.value.message == "The hash function is not supported for digital signatures."


@pytest.mark.parametrize("hash_function", ["sha3_256", "blake2", ""])
def test_unknown_hash_is_refused_with_262185(now: datetime, hash_function: str) -> None:
    with pytest.raises(DomainError) as exc:
        create_self_signed(
            common_name="x",
            hash_function=hash_function,
            not_after=now + timedelta(days=2),
            now=now,
            is_ca=True,
        )
    assert (exc.value.code, exc.value.target) == ("262185", "hash_function")


def test_non_rsa_key_type_and_bad_common_name_are_refused(now: datetime) -> None:
    later = now + timedelta(days=2)
    with pytest.raises(DomainError) as exc:
        create_self_signed(common_name="x", key_type="ec", not_after=later, now=now, is_ca=True)
    assert (exc.value.code, exc.value.target) == ("262185", "key_type")
    for cn in ("", "x" * 65):
        with pytest.raises(DomainError) as exc:
            create_self_signed(common_name=cn, not_after=later, now=now, is_ca=True)
        assert (exc.value.code, exc.value.target) == ("262185", "common_name")


# --- sign_csr ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_ca() -> tuple[str, str, x509.Certificate]:
    """A CA valid for about 90 days, so clamping is easy to provoke."""
    start = datetime.now(UTC)
    cert, key = make_ca(
        "rsa2048",
        "Signing CA",
        slot=5,
        not_before=start - timedelta(days=1),
        not_after=start + timedelta(days=90),
    )
    return pem(cert), key_pem(key), cert


def test_signed_csr_carries_subject_key_and_san_and_verifies(
    now: datetime, rsa_ca: tuple[str, str, x509.Certificate]
) -> None:
    ca_pem, ca_key, ca_cert = rsa_ca
    san = {"dns": ["client.example.com"], "ip": ["192.0.2.7"], "email": ["ops@example.com"]}
    csr = make_csr("p256", "client.example.com", slot=3, san=san)
    not_after = now + timedelta(days=30)
    issued = _load(
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=csr_pem(csr),
            not_after=not_after,
            now=now,
            hash_function="sha384",
        )
    )
    issued.verify_directly_issued_by(ca_cert)
    assert issued.issuer == ca_cert.subject
    assert issued.subject == csr.subject
    assert _spki(issued.public_key()) == _spki(csr.public_key())
    assert issued.not_valid_before_utc == (now - timedelta(minutes=1)).replace(microsecond=0)
    assert issued.not_valid_after_utc == not_after.replace(microsecond=0)
    info = parse_certificate(pem(issued), now=now)
    assert info.subject_alternatives == san
    assert info.hash_function == "sha384"
    assert not info.is_ca and not info.is_self_signed
    ca_info = parse_certificate(ca_pem, now=now)
    assert info.authority_key_identifier == ca_info.subject_key_identifier
    ski = _ext(issued, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(csr.public_key())  # type: ignore[arg-type]


def test_signed_lifetime_is_clamped_to_the_ca_expiry(
    now: datetime, rsa_ca: tuple[str, str, x509.Certificate]
) -> None:
    ca_pem, ca_key, ca_cert = rsa_ca
    issued = _load(
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=csr_pem(make_csr("rsa2048", "long-lived", slot=4)),
            not_after=now + timedelta(days=3650),
            now=now,
        )
    )
    assert issued.not_valid_after_utc == ca_cert.not_valid_after_utc


def test_requested_ca_constraint_is_refused_by_an_ec_ca(now: datetime) -> None:
    ca_cert, ca_key = make_ca("p384", "EC Signing CA", slot=2)
    with pytest.raises(DomainError) as exc:
        sign_csr(
            ca_cert_pem=pem(ca_cert),
            ca_key_pem=key_pem(ca_key, "traditional"),
            csr_pem=csr_pem(make_csr("p256", "Sub CA", slot=6, is_ca=True)),
            not_after=now + timedelta(days=60),
            now=now,
        )
    assert exc.value.code == "262185" and "CA:TRUE" in exc.value.message
    issued_pem = sign_csr(
        ca_cert_pem=pem(ca_cert),
        ca_key_pem=key_pem(ca_key, "traditional"),
        csr_pem=csr_pem(make_csr("p256", "Sub CA", slot=6, is_ca=False)),
        not_after=now + timedelta(days=60),
        now=now,
    )
    info = parse_certificate(issued_pem, now=now)
    assert not info.is_ca and info.ca == "EC Signing CA"
    _load(issued_pem).verify_directly_issued_by(ca_cert)


def test_csr_without_constraints_gets_ca_false(
    now: datetime, rsa_ca: tuple[str, str, x509.Certificate]
) -> None:
    ca_pem, ca_key, _ = rsa_ca
    issued = _load(
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=csr_pem(make_csr("p256", "plain", slot=7)),
            not_after=now + timedelta(days=10),
            now=now,
        )
    )
    assert not _ext(issued, x509.BasicConstraints).value.ca  # type: ignore[attr-defined]


def _tampered_csr() -> str:
    der = make_csr("rsa2048", "tampered", slot=4).public_bytes(serialization.Encoding.DER)
    return (
        x509.load_der_x509_csr(der[:-1] + bytes([der[-1] ^ 0xFF]))
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )


@pytest.mark.parametrize(
    ("text", "mentions_signature"),
    [
        pytest.param("garbage", False, id="garbage"),
        pytest.param("", False, id="empty"),
        pytest.param(pem(make_ca()[0]), False, id="certificate-not-csr"),
        pytest.param(_tampered_csr(), True, id="bad-signature"),
    ],
)
def test_bad_csr_is_refused_with_262185(
    now: datetime, rsa_ca: tuple[str, str, x509.Certificate], text: str, mentions_signature: bool
) -> None:
    ca_pem, ca_key, _ = rsa_ca
    with pytest.raises(DomainError) as exc:
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=text,
            not_after=now + timedelta(days=10),
            now=now,
        )
    assert (exc.value.code, exc.value.target) == ("262185", "signing_request")
    assert exc.value.message.startswith('Invalid value for field "signing_request"')
    assert ("signature" in exc.value.message) == mentions_signature


def test_csr_signing_refuses_weak_hash_ed25519_key_and_expired_ca(
    now: datetime, rsa_ca: tuple[str, str, x509.Certificate]
) -> None:
    ca_pem, ca_key, _ = rsa_ca
    good_csr = csr_pem(make_csr("p256", "c", slot=3))
    later = now + timedelta(days=10)
    with pytest.raises(DomainError) as exc:
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=good_csr,
            not_after=later,
            now=now,
            hash_function="sha1",
        )
    assert exc.value.code == "52560173"
    with pytest.raises(DomainError) as exc:
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=csr_pem(make_csr("ed25519")),
            not_after=later,
            now=now,
        )
    assert exc.value.code == "52363366"
    with pytest.raises(DomainError) as exc:
        sign_csr(
            ca_cert_pem=ca_pem,
            ca_key_pem=ca_key,
            csr_pem=good_csr,
            not_after=later,
            now=now + timedelta(days=91),
        )
    assert exc.value.code == "52559973"


# --- KeyVault ------------------------------------------------------------------------


SECRET = key_pem(cached_key("p256"))


def test_vault_round_trips_and_never_repeats_a_token() -> None:
    vault = KeyVault.ephemeral()
    first, second = vault.encrypt(SECRET), vault.encrypt(SECRET)
    assert first.startswith("v1:") and first != second
    assert "PRIVATE KEY" not in first
    assert vault.decrypt(first) == vault.decrypt(second) == SECRET


def test_vault_detects_tampering_and_foreign_keys() -> None:
    vault = KeyVault.ephemeral()
    token = vault.encrypt(SECRET)
    body = token[3:]
    flipped = "v1:" + body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    for bad in (flipped, token[:-4], "v1:", "v1:!!!!", "v2:" + body, body):
        with pytest.raises(ValueError):
            vault.decrypt(bad)
    with pytest.raises(ValueError):
        KeyVault.ephemeral().decrypt(token)


def test_vault_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "vault.key"
    token = KeyVault.from_file(path).encrypt(SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32
    assert os.listdir(path.parent) == ["vault.key"]  # no temporary file left behind
    before = path.read_bytes()
    assert KeyVault.from_file(path).decrypt(token) == SECRET
    assert path.read_bytes() == before


def test_vault_refuses_a_key_file_of_the_wrong_size(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    path.write_bytes(b"short")
    with pytest.raises(ValueError):
        KeyVault.from_file(path)


def test_vault_key_file_creation_never_replaces_an_existing_key(tmp_path: Path) -> None:
    """Two processes racing to create the key must end up sharing the first one."""
    path = tmp_path / "vault.key"
    KeyVault._create_key_file(path)
    first = path.read_bytes()
    KeyVault._create_key_file(path)  # the loser of the race
    assert path.read_bytes() == first
    assert os.listdir(tmp_path) == ["vault.key"]
