"""Reading certificates and keys: every CertificateInfo field against cryptography's view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.domain.x509 import (
    CertificateInfo,
    add_months,
    check_key_matches,
    parse_certificate,
    parse_expiry,
    parse_intermediates,
)
from tests.certs import (
    cached_key,
    encrypted_key_pem,
    key_pem,
    legacy_signed,
    make_ca,
    make_leaf,
    name,
    pem,
)

FULL_SAN = {
    "dns": ["server.example.com", "*.example.com"],
    "ip": ["192.0.2.10", "2001:db8::1"],
    "email": ["admin@example.com"],
    "uri": ["https://example.com/cert", "spiffe://example.com/svc"],
}


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def assert_matches_cryptography(info: CertificateInfo, cert: x509.Certificate) -> None:
    """Every field, recomputed independently from the cryptography object."""
    assert info.pem == cert.public_bytes(serialization.Encoding.PEM).decode()
    assert info.pem.endswith("-----END CERTIFICATE-----\n") and "\r" not in info.pem
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert info.common_name == (cns[0].value if cns else None)
    assert info.serial_number == hex(cert.serial_number)[2:].upper()
    issuer_cns = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert info.ca == (issuer_cns[0].value if issuer_cns else cert.issuer.rfc4514_string())
    assert info.not_before == cert.not_valid_before_utc
    assert info.expiry_time == cert.not_valid_after_utc
    assert info.not_before.utcoffset() == timedelta(0)
    assert info.expiry_time.utcoffset() == timedelta(0)
    algorithm = cert.signature_hash_algorithm
    assert info.hash_function == (algorithm.name if algorithm else None)
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        assert (info.key_type, info.key_size) == ("rsa", public_key.key_size)
    else:
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        assert (info.key_type, info.key_size) == ("ec", public_key.curve.key_size)
    ski = _ext(cert, x509.SubjectKeyIdentifier)
    assert info.subject_key_identifier == (
        ski.digest.hex(":").upper() if isinstance(ski, x509.SubjectKeyIdentifier) else None
    )
    aki = _ext(cert, x509.AuthorityKeyIdentifier)
    aki_id = aki.key_identifier if isinstance(aki, x509.AuthorityKeyIdentifier) else None
    assert info.authority_key_identifier == (aki_id.hex(":").upper() if aki_id else None)
    san = _ext(cert, x509.SubjectAlternativeName)
    expected_san: dict[str, list[str]] = {}
    if isinstance(san, x509.SubjectAlternativeName):
        for key, kind in (
            ("dns", x509.DNSName),
            ("email", x509.RFC822Name),
            ("ip", x509.IPAddress),
            ("uri", x509.UniformResourceIdentifier),
        ):
            values = [str(v) for v in san.get_values_for_type(kind)]  # type: ignore[type-var]
            if values:
                expected_san[key] = values
    assert info.subject_alternatives == expected_san
    constraints = _ext(cert, x509.BasicConstraints)
    assert info.is_ca == (isinstance(constraints, x509.BasicConstraints) and constraints.ca)
    assert info.is_self_signed == (cert.issuer == cert.subject)
    assert info.issuer_der == cert.issuer.public_bytes()
    assert info.fingerprint_sha256 == cert.fingerprint(hashes.SHA256()).hex(":").upper()


def assert_domain_error(exc: pytest.ExceptionInfo[DomainError], code: str) -> None:
    assert exc.value.code == code
    assert exc.value.kind == "invalid"


# --- well-formed certificates -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key_type", "key_size"),
    [("rsa2048", "rsa", 2048), ("rsa4096", "rsa", 4096), ("p256", "ec", 256), ("p384", "ec", 384)],
)
def test_self_signed_ca_fields_match_cryptography(
    now: datetime, kind: str, key_type: str, key_size: int
) -> None:
    cert, _ = make_ca(kind, f"Root {kind}")  # type: ignore[arg-type]
    info = parse_certificate(pem(cert), now=now)
    assert_matches_cryptography(info, cert)
    assert (info.key_type, info.key_size) == (key_type, key_size)
    assert info.common_name == info.ca == f"Root {kind}"
    assert info.is_ca and info.is_self_signed
    assert info.subject_key_identifier == info.authority_key_identifier
    assert info.subject_alternatives == {}
    assert info.hash_function == "sha256"


def test_intermediate_signed_by_root_points_at_root(now: datetime) -> None:
    root = make_ca("rsa2048", "Root CA")
    inter_cert, _ = make_ca("p256", "Intermediate CA", slot=1, issuer=root)
    info = parse_certificate(pem(inter_cert), now=now)
    root_info = parse_certificate(pem(root[0]), now=now)
    assert_matches_cryptography(info, inter_cert)
    assert info.is_ca and not info.is_self_signed
    assert info.ca == "Root CA"
    assert info.issuer_der == root[0].subject.public_bytes()
    assert info.authority_key_identifier == root_info.subject_key_identifier
    assert info.subject_key_identifier != root_info.subject_key_identifier


def test_leaf_reports_every_subject_alternative_kind(now: datetime) -> None:
    root = make_ca("p384", "EC Root")
    inter = make_ca("p256", "EC Intermediate", slot=1, issuer=root)
    leaf_cert, _ = make_leaf(inter, san=FULL_SAN)
    info = parse_certificate(pem(leaf_cert), now=now)
    assert_matches_cryptography(info, leaf_cert)
    assert info.subject_alternatives == {
        "dns": ["server.example.com", "*.example.com"],
        "ip": ["192.0.2.10", "2001:db8::1"],
        "email": ["admin@example.com"],
        "uri": ["https://example.com/cert", "spiffe://example.com/svc"],
    }
    assert not info.is_ca and not info.is_self_signed
    assert info.ca == "EC Intermediate"


def test_only_non_empty_alternative_kinds_are_listed(now: datetime) -> None:
    leaf_cert, _ = make_leaf(make_ca(), san={"ip": ["10.0.0.1"]})
    assert parse_certificate(pem(leaf_cert), now=now).subject_alternatives == {"ip": ["10.0.0.1"]}


def test_issuer_without_cn_falls_back_to_rfc4514(now: datetime) -> None:
    subject = name(None, ORGANIZATION_NAME="Example Org", COUNTRY_NAME="US")
    cert, _ = make_ca("rsa2048", subject=subject)
    info = parse_certificate(pem(cert), now=now)
    assert_matches_cryptography(info, cert)
    assert info.common_name is None
    assert info.ca == "C=US,O=Example Org"


def test_certificate_without_key_identifiers_reports_none(now: datetime) -> None:
    cert, _ = make_ca("p256", "No IDs", key_ids=False)
    info = parse_certificate(pem(cert), now=now)
    assert_matches_cryptography(info, cert)
    assert info.subject_key_identifier is None and info.authority_key_identifier is None


@pytest.mark.parametrize(
    ("serial", "shown"), [(1, "1"), (0x0ABC, "ABC"), (2**159 - 1, "7" + "F" * 39)]
)
def test_serial_number_is_uppercase_hex_without_padding(
    now: datetime, serial: int, shown: str
) -> None:
    cert, _ = make_ca("p256", "Serial", serial=serial)
    assert parse_certificate(pem(cert), now=now).serial_number == shown


@pytest.mark.parametrize("hash_name", ["sha224", "sha384", "sha512"])
def test_hash_function_is_reported_by_name(now: datetime, hash_name: str) -> None:
    cert, _ = make_ca("rsa2048", "Hashes", hash_name=hash_name)
    info = parse_certificate(pem(cert), now=now)
    assert_matches_cryptography(info, cert)
    assert info.hash_function == hash_name


@pytest.mark.parametrize("hash_name", ["md5", "sha1"])
def test_legacy_hash_certificates_are_still_readable(now: datetime, hash_name: str) -> None:
    cert, key = make_ca("rsa2048", "Legacy")
    assert isinstance(key, rsa.RSAPrivateKey)
    legacy = legacy_signed(cert, key, hash_name)
    info = parse_certificate(pem(legacy), now=now)
    assert_matches_cryptography(info, legacy)
    assert info.hash_function == hash_name


def test_surrounding_whitespace_and_crlf_are_normalised(now: datetime) -> None:
    cert, _ = make_ca()
    messy = "\r\n  \n" + pem(cert).replace("\n", "\r\n") + "\n\t  "
    info = parse_certificate(messy, now=now)
    assert info.pem == pem(cert)


# --- refusals ------------------------------------------------------------------------


def _der_as_latin1() -> str:
    cert, _ = make_ca()
    return cert.public_bytes(serialization.Encoding.DER).decode("latin-1")


def _body_only() -> str:
    return "".join(pem(make_ca()[0]).splitlines()[1:-1])


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n", id="blank"),
        pytest.param("this is not a certificate", id="garbage"),
        pytest.param(_der_as_latin1(), id="der-latin1"),
        pytest.param(_body_only(), id="base64-without-armour"),
        pytest.param(pem(make_ca()[0]) + pem(make_ca("p256", "Other")[0]), id="two-certs"),
        pytest.param(key_pem(cached_key("p256")), id="private-key-pem"),
        pytest.param(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", id="bad-der"
        ),
        pytest.param(pem(make_ca()[0])[:200] + "\n-----END CERTIFICATE-----\n", id="truncated"),
        pytest.param("junk before\n" + pem(make_ca()[0]), id="text-before-pem"),
        pytest.param(pem(make_ca()[0]).replace("CERTIFICATE", "X509 CRL"), id="wrong-label"),
    ],
)
def test_malformed_certificate_is_refused_with_52559975(now: datetime, text: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_certificate(text, now=now)
    assert_domain_error(exc, "52559975")
    assert exc.value.message == "Failed to read the certificate due to incorrect formatting."
    assert exc.value.target == "public_certificate"


def test_expired_certificate_is_refused_with_52559973(now: datetime) -> None:
    cert, _ = make_ca(
        "p256", "Expired", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    with pytest.raises(DomainError) as exc:
        parse_certificate(pem(cert), now=now)
    assert_domain_error(exc, "52559973")
    assert exc.value.message == "The certificate has expired."


def test_not_yet_valid_certificate_is_refused_with_52559972(now: datetime) -> None:
    cert, _ = make_ca(
        "p256", "Future", not_before=now + timedelta(days=1), not_after=now + timedelta(days=30)
    )
    with pytest.raises(DomainError) as exc:
        parse_certificate(pem(cert), now=now)
    assert_domain_error(exc, "52559972")
    assert exc.value.message == "The certificates start date is later than the current date."


@pytest.mark.parametrize("kind", ["ed25519", "dsa"])
def test_non_rsa_non_ec_key_is_refused_with_52363366(now: datetime, kind: str) -> None:
    cert, _ = make_ca(kind, f"{kind} CA")  # type: ignore[arg-type]
    with pytest.raises(DomainError) as exc:
        parse_certificate(pem(cert), now=now)
    assert_domain_error(exc, "52363366")
    assert exc.value.message == "Unsupported key type."


def test_intermediates_are_each_parsed(now: datetime) -> None:
    root = make_ca("rsa2048", "Root CA")
    inter = make_ca("p256", "Intermediate CA", slot=1, issuer=root)
    infos = parse_intermediates([pem(inter[0]), pem(root[0])], now=now)
    assert [i.common_name for i in infos] == ["Intermediate CA", "Root CA"]
    assert parse_intermediates([], now=now) == []


def test_one_bad_intermediate_refuses_the_list(now: datetime) -> None:
    expired, _ = make_ca(
        "p256", "Old", not_before=now - timedelta(days=9), not_after=now - timedelta(days=2)
    )
    with pytest.raises(DomainError) as exc:
        parse_intermediates([pem(make_ca()[0]), pem(expired)], now=now)
    assert_domain_error(exc, "52559973")
    with pytest.raises(DomainError) as exc:
        parse_intermediates(["garbage"], now=now)
    assert_domain_error(exc, "52559975")


# --- private keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [("rsa2048", "pkcs8"), ("rsa2048", "traditional"), ("p256", "pkcs8"), ("p256", "traditional")],
)
def test_matching_key_is_returned_as_pkcs8(now: datetime, kind: str, fmt: str) -> None:
    cert, key = make_ca(kind, "Keyed")  # type: ignore[arg-type]
    info = parse_certificate(pem(cert), now=now)
    uploaded = key_pem(key, fmt)  # type: ignore[arg-type]
    if fmt == "traditional":
        assert "BEGIN PRIVATE KEY" not in uploaded
    stored = check_key_matches(info, "\n" + uploaded + "\n")
    assert stored == key_pem(key, "pkcs8")
    assert stored.startswith("-----BEGIN PRIVATE KEY-----\n")


def test_key_of_another_certificate_is_refused_with_52559976(now: datetime) -> None:
    info = parse_certificate(pem(make_ca("p256", "Mine")[0]), now=now)
    for other in (cached_key("p256", 1), cached_key("rsa2048"), cached_key("ed25519")):
        with pytest.raises(DomainError) as exc:
            check_key_matches(info, key_pem(other))
        assert_domain_error(exc, "52559976")
        assert exc.value.message == "The certificate and private key do not match."


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("not a key", id="garbage"),
        pytest.param(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", id="bad-der"
        ),
        pytest.param(encrypted_key_pem(cached_key("p256")), id="encrypted"),
        pytest.param("\u00e9\u00e8", id="non-ascii"),
    ],
)
def test_unreadable_key_is_refused_with_52560123(now: datetime, text: str) -> None:
    info = parse_certificate(pem(make_ca("p256", "Mine")[0]), now=now)
    with pytest.raises(DomainError) as exc:
        check_key_matches(info, text)
    assert_domain_error(exc, "52560123")
    assert exc.value.message == "Failed to read the key due to incorrect formatting."
    assert exc.value.target == "private_key"


# --- expiry_time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "months", "delta"),
    [
        ("P365DT", 0, timedelta(days=365)),
        ("P1Y", 12, timedelta()),
        ("P30D", 0, timedelta(days=30)),
        ("PT36H", 0, timedelta(hours=36)),
        ("P2W", 0, timedelta(days=14)),
        ("P1Y2M3DT4H5M6S", 14, timedelta(days=3, hours=4, minutes=5, seconds=6)),
        ("P1D", 0, timedelta(days=1)),
        ("PT24H", 0, timedelta(days=1)),
        ("P10Y", 120, timedelta()),
        ("P120M", 120, timedelta()),
        ("P3650D", 0, timedelta(days=3650)),
        ("P3652D", 0, timedelta(days=3652)),
    ],
)
def test_duration_is_added_to_now_in_calendar_time(
    now: datetime, value: str, months: int, delta: timedelta
) -> None:
    assert parse_expiry(value, now=now) == add_months(now, months) + delta


def test_calendar_months_keep_the_day_or_take_the_last_of_the_month() -> None:
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert parse_expiry("P1Y", now=leap) == datetime(2029, 2, 28, 12, tzinfo=UTC)
    assert parse_expiry("P10Y", now=leap) == datetime(2038, 2, 28, 12, tzinfo=UTC)
    january = datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_expiry("P1M", now=january) == datetime(2027, 2, 28, tzinfo=UTC)
    # ten calendar years from 2026-12-02 hold three leap days: 3,653 days are allowed
    start = datetime(2026, 12, 2, tzinfo=UTC)
    assert parse_expiry("P3653D", now=start) == datetime(2036, 12, 2, tzinfo=UTC)
    with pytest.raises(DomainError):
        parse_expiry("P3654D", now=start)


def test_a_date_one_day_short_of_ten_calendar_years_is_accepted(now: datetime) -> None:
    short = add_months(now, 120) - timedelta(days=1)
    assert parse_expiry(short.isoformat(), now=now) == short


def test_date_time_forms_are_read_as_utc(now: datetime) -> None:
    target = (now + timedelta(days=100)).replace(microsecond=0)
    naive = target.replace(tzinfo=None).isoformat()
    assert parse_expiry(naive + "Z", now=now) == target
    assert parse_expiry(naive, now=now) == target
    shifted = target.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    result = parse_expiry(shifted, now=now)
    assert result == target and result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["PT23H", "PT0S", "P3654D", "P11Y", "P122M", "P10YT1S"])
def test_expiry_outside_one_day_to_ten_years_is_refused(now: datetime, value: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_expiry(value, now=now)
    assert_domain_error(exc, "262185")
    assert exc.value.target == "expiry_time"
    assert exc.value.message == (
        f'"{value}" is an invalid value for field "expiry_time"'
        " (must be between 1 day and 10 years)"
    )


def test_past_or_far_date_time_is_refused(now: datetime) -> None:
    for when in (now - timedelta(days=1), add_months(now, 120) + timedelta(seconds=1)):
        with pytest.raises(DomainError) as exc:
            parse_expiry(when.isoformat(), now=now)
        assert_domain_error(exc, "262185")


@pytest.mark.parametrize(
    "value", ["", "soon", "P", "PT", "P1H", "1Y", "P-1D", "2027-13-01", "P1.5D"]
)
def test_unreadable_expiry_is_refused_with_262185(now: datetime, value: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_expiry(value, now=now)
    assert_domain_error(exc, "262185")
    assert exc.value.message == f'"{value}" is an invalid value for field "expiry_time"'
    assert exc.value.target == "expiry_time"
