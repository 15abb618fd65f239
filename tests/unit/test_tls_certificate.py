"""The server's self-signed certificate: an ECDSA P-256 key (docs/fidelity.md, "TLS"), made
once; a pair already in the data dir is served as it is, whatever its key."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ontap_ipsec.tls import ensure_self_signed


def test_a_new_certificate_has_a_p256_key_and_signs_with_sha256(tmp_path: Path) -> None:
    cert_path, key_path = ensure_self_signed(tmp_path / "tls")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP256R1)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key().public_numbers() == public.public_numbers()
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)


def test_an_existing_pair_is_kept_as_it_is_even_rsa(tmp_path: Path) -> None:
    directory = tmp_path / "tls"
    first_cert, first_key = ensure_self_signed(directory)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    first_key.write_bytes(rsa_pem)  # an older data dir's RSA key (its certificate aside)
    cert_before = first_cert.read_bytes()

    cert_path, key_path = ensure_self_signed(directory)

    assert (cert_path, key_path) == (first_cert, first_key)
    assert cert_path.read_bytes() == cert_before
    assert key_path.read_bytes() == rsa_pem
