"""HTTP methods, unknown paths, and the headers every response carries."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import (
    CLUSTER,
    JOBS,
    SVMS,
    assert_common_headers,
    assert_error,
    make_svms,
)

MISSING_UUID = "11111111-2222-3333-4444-555555555555"


def allowed(response: httpx.Response) -> list[str]:
    return [m.strip() for m in response.headers["allow"].split(",")]


def test_head_returns_the_get_headers_without_a_body(api: httpx.Client) -> None:
    make_svms(api, ["h1", "h2"])
    get = api.get(f"{SVMS}?fields=*")
    head = api.head(f"{SVMS}?fields=*")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(get.content) > 0
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_on_an_instance(api: httpx.Client) -> None:
    uuid = make_svms(api, ["h1"])["h1"]
    get = api.get(f"{SVMS}/{uuid}")
    head = api.head(f"{SVMS}/{uuid}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))


def test_head_of_a_missing_instance_is_404_without_a_body(api: httpx.Client) -> None:
    head = api.head(f"{SVMS}/{MISSING_UUID}")
    assert head.status_code == 404
    assert head.content == b""


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        (SVMS, ["GET", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        (f"{SVMS}/{MISSING_UUID}", ["GET", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        (CLUSTER, ["GET", "PATCH", "HEAD", "OPTIONS"]),
        (JOBS, ["GET", "HEAD", "OPTIONS"]),
        (f"{JOBS}/{MISSING_UUID}", ["GET", "HEAD", "OPTIONS"]),
    ],
)
def test_options_lists_the_allowed_methods(
    api: httpx.Client, path: str, methods: list[str]
) -> None:
    response = api.options(path)
    assert response.status_code == 200
    assert sorted(allowed(response)) == sorted(methods)
    assert response.content in (b"", b"{}")


def test_put_on_svms_is_405_with_allow_and_code_3(api: httpx.Client) -> None:
    response = api.put(SVMS, json={"name": "x"})
    assert_error(response, 405, "3", 'The method "PUT" is not supported on this API.')
    assert sorted(allowed(response)) == sorted(
        ["GET", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    )


def test_post_on_cluster_is_405(api: httpx.Client) -> None:
    response = api.post(CLUSTER, json={"name": "c2"})
    assert_error(response, 405, "3", 'The method "POST" is not supported on this API.')
    assert sorted(allowed(response)) == ["GET", "HEAD", "OPTIONS", "PATCH"]


def test_post_on_jobs_is_405(api: httpx.Client) -> None:
    response = api.post(JOBS, json={})
    assert_error(response, 405, "3", 'The method "POST" is not supported on this API.')


def test_post_on_an_svm_instance_is_405(api: httpx.Client) -> None:
    uuid = make_svms(api, ["p1"])["p1"]
    response = api.post(f"{SVMS}/{uuid}", json={})
    assert response.status_code == 405
    assert "POST" not in allowed(response)


@pytest.mark.parametrize("path", ["/api/nothing", "/api", "/api/svm", "/api/cluster/nothing"])
def test_unknown_api_path_is_404_code_3(api: httpx.Client, path: str) -> None:
    assert_error(api.get(path), 404, "3", "API not found")


def test_path_outside_api_is_the_consoles(anon: httpx.Client) -> None:
    """Outside /api, /docs/api and /_ontap-ipsec the web console answers, in HTML."""
    response = anon.get("/index.html")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_error(anon.get("/docs/api/index.html"), 404, "3", "API not found")


def test_extra_path_segment_is_404_code_262179(api: httpx.Client) -> None:
    uuid = make_svms(api, ["e1"])["e1"]
    assert_error(
        api.get(f"{SVMS}/{uuid}/extra"), 404, "262179", 'Unexpected argument "extra".'
    )


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_instance_is_404_code_4(api: httpx.Client, method: str) -> None:
    body = {"comment": "x"} if method == "PATCH" else None
    response = api.request(method, f"{SVMS}/{MISSING_UUID}", json=body)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}
    }


def test_unknown_job_is_404_code_4(api: httpx.Client) -> None:
    assert api.get(f"{JOBS}/{MISSING_UUID}").json() == {
        "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}
    }


def test_trailing_slash_reaches_the_collection(api: httpx.Client) -> None:
    make_svms(api, ["t1"])
    response = api.get(f"{SVMS}/")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["records"]] == ["t1"]


# --- headers on every response ---------------------------------------------------------

REQUESTS = [
    ("GET", SVMS, None, 200),
    ("GET", CLUSTER, None, 200),
    ("HEAD", SVMS, None, 200),
    ("OPTIONS", SVMS, None, 200),
    ("POST", SVMS, b'{"name":"hdr"}', 202),
    ("GET", f"{SVMS}?nosuch=1", None, 400),
    ("POST", SVMS, b"{", 400),
    ("GET", f"{SVMS}/{MISSING_UUID}", None, 404),
    ("GET", "/api/nothing", None, 404),
    ("PUT", SVMS, b"{}", 405),
    ("POST", SVMS, b" " * (1024 * 1024 + 1), 413),
    ("GET", f"{SVMS}?name=" + "x" * (16 * 1024), None, 414),
    ("GET", "/docs/api", None, 200),
    ("GET", "/docs/api/openapi.json", None, 200),
]


@pytest.mark.parametrize(("method", "target", "body", "status"), REQUESTS)
def test_every_response_carries_the_cache_and_nosniff_headers(
    api: httpx.Client, method: str, target: str, body: bytes | None, status: int
) -> None:
    response = api.request(method, target, content=body)
    assert response.status_code == status
    assert_common_headers(response)


@pytest.mark.parametrize(
    ("method", "target", "body", "status"), [r for r in REQUESTS if r[3] >= 400 and r[0] != "HEAD"]
)
def test_every_error_body_is_the_envelope_with_a_string_code(
    api: httpx.Client, method: str, target: str, body: bytes | None, status: int
) -> None:
    response = api.request(method, target, content=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) <= {"message", "code", "target"}
    assert isinstance(error["code"], str) and error["code"].isdigit()
    assert isinstance(error["message"], str) and error["message"]


def test_unauthenticated_response_carries_the_common_headers(anon: httpx.Client) -> None:
    response = anon.get(SVMS)
    assert response.status_code == 401
    assert_common_headers(response)
    assert isinstance(response.json()["error"]["code"], str)
