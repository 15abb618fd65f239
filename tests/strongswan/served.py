"""The real `ontap-ipsec serve --strongswan ...` (HTTPS, its default server, 2 workers),
and the REST calls the tests make of it.

`serving()` returns once the server answers and its agent has reported every daemon
reachable, so that what a test times is the convergence after its own change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ontap_ipsec.ipsec.vici_driver import AUTHORITY_PREFIX
from tests.server.process import Server, run_server

PASSWORD = "strongswan-pw"
STATUS = "/_ontap-ipsec/strongswan"
IPSEC = "/api/security/ipsec/ca-certificates"
READY_TIMEOUT = 20.0


def authority(certificate_uuid: str) -> str:
    return f"{AUTHORITY_PREFIX}{certificate_uuid}"


def flags(daemons: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(a for scope, uri in daemons.items() for a in ("--strongswan", f"{scope}={uri}"))


@contextmanager
def serving(
    data_dir: Path,
    daemons: Mapping[str, str],
    *extra: str,
    reachable: bool = True,
    **kw: Any,
) -> Iterator[Api]:
    """The server with `daemons` attached; its log at info level (the agent's lines)."""
    kw.setdefault("log_level", "info")
    with run_server(
        data_dir, admin_password=PASSWORD, extra_args=(*flags(daemons), *extra), **kw
    ) as server:
        api = Api(server)
        try:
            if reachable:
                api.wait_status(
                    lambda doc: doc["agent"].get("running")
                    and all(d["reachable"] for d in doc["daemons"]),
                    READY_TIMEOUT,
                )
            yield api
        finally:
            api.close()


class Api:
    """An admin's HTTPS client of one server, with the calls the tests need."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = server.client(auth=server.auth)

    def close(self) -> None:
        self.http.close()

    def ok(self, response: httpx.Response, *statuses: int) -> dict[str, Any]:
        assert response.status_code in (statuses or (200, 201)), response.text
        return response.json() if response.content else {}

    def install_ca(self, pem: str, name: str, svm: str | None = None) -> str:
        body: dict[str, Any] = {"type": "server_ca", "public_certificate": pem, "name": name}
        if svm:
            body["svm"] = {"name": svm}
        self.ok(self.http.post("/api/security/certificates", json=body), 201)
        query: dict[str, str] = {"name": name, "fields": "uuid"}
        query.update({"svm.name": svm} if svm else {"scope": "cluster"})
        [record] = self.ok(self.http.get("/api/security/certificates", params=query))["records"]
        return str(record["uuid"])

    def add(self, certificate_uuid: str, svm: str | None = None) -> None:
        body: dict[str, Any] = {"certificate": {"uuid": certificate_uuid}}
        if svm:
            body["svm"] = {"name": svm}
        self.ok(self.http.post(IPSEC, json=body), 201)

    def remove(self, certificate_uuid: str) -> None:
        self.ok(self.http.delete(f"{IPSEC}/{certificate_uuid}"))

    def create_svm(self, name: str) -> str:
        self.ok(self.http.post("/api/svm/svms?return_timeout=30", json={"name": name}), 201)
        [record] = self.ok(self.http.get("/api/svm/svms", params={"name": name}))["records"]
        return str(record["uuid"])

    def delete_svm(self, svm_uuid: str) -> None:
        self.ok(self.http.delete(f"/api/svm/svms/{svm_uuid}?return_timeout=30"))

    def status(self) -> dict[str, Any]:
        return self.ok(self.http.get(STATUS))

    def daemon(self, scope: str) -> dict[str, Any]:
        return next(d for d in self.status()["daemons"] if d["scope"] == scope)

    def wait_status(self, condition: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            doc = self.status()
            if condition(doc):
                return doc
            if time.monotonic() > deadline:
                raise AssertionError(f"status not as expected within {timeout} s: {doc}")
            time.sleep(0.05)

    def log(self) -> str:
        return self.server.output()
