"""Request size limits: 1 MiB bodies, 16 KiB query strings."""

from __future__ import annotations

import httpx

from tests.api.helpers import SVMS, assert_common_headers, assert_error

MIB = 1024 * 1024
QUERY_LIMIT = 16 * 1024


def padded_json(size: int) -> bytes:
    """A valid SVM body of exactly `size` bytes (trailing whitespace is legal JSON)."""
    body = b'{"name": "big"}'
    return body + b" " * (size - len(body))


def test_body_over_1_mib_is_413_with_the_envelope(api: httpx.Client) -> None:
    response = api.post(SVMS, content=padded_json(MIB + 1))
    assert_error(response, 413, "2", f"The request body exceeds {MIB} bytes.")
    assert_common_headers(response)
    assert api.get(SVMS).json()["num_records"] == 0


def test_body_of_exactly_1_mib_is_accepted(api: httpx.Client) -> None:
    assert api.post(SVMS, content=padded_json(MIB)).status_code == 202


def test_query_over_16_kib_is_414_with_the_envelope(api: httpx.Client) -> None:
    query = "name=" + "x" * (QUERY_LIMIT - len("name=") + 1)
    assert len(query) == QUERY_LIMIT + 1
    response = api.get(f"{SVMS}?{query}")
    assert_error(response, 414, "2", f"The query string exceeds {QUERY_LIMIT} bytes.")
    assert_common_headers(response)


def test_query_of_exactly_16_kib_is_served(api: httpx.Client) -> None:
    query = "name=" + "x" * (QUERY_LIMIT - len("name="))
    response = api.get(f"{SVMS}?{query}")
    assert response.status_code == 200
    assert response.json()["num_records"] == 0
