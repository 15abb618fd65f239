"""Every built-in role against every served resource and method, as a table.

Columns: the cluster `admin`, the cluster `readonly` account, svm1's `vsadmin` and
`vsadmin-readonly` accounts, and the cluster admin tunnelling into svm1 with
`X-Dot-SVM-Name: svm1` (which acts as svm1's vsadmin). Each row is one request, run in
the table's order on a fresh world (tests/accounts/conftest.py) per column; a cell is
the expected status, with `n=N` the collection's num_records (or a count with
return_records=false) and `cX` the error code (a 403 is always code 6 "not authorized for
that command", a 404 always code 4 "entry doesn't exist"). Rows that change state are
placed so that later rows do not depend on whether they succeeded, except where the
count says so.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.conftest import PASSWORDS, World
from tests.accounts.helpers import ACCOUNTS, PASSWORD, ROLES, account_body
from tests.ipsec_policies.conftest import psk_body

CERTS = "/api/security/certificates"
CAS = "/api/security/ipsec/ca-certificates"
POLICIES = "/api/security/ipsec/policies"
SAS = "/api/security/ipsec/security-associations"

COLUMNS = ("admin", "readonly", "vsadmin", "vsadmin-ro", "tunnel")
# (method, path, body), then one cell per column. {svm1}, {c2}, ... are the world's ids.
TABLE: list[tuple[str, str, Any, tuple[str, str, str, str, str]]] = [
    ("GET", "/api/cluster", None, ("200", "200", "200", "200", "200")),
    ("PATCH", "/api/cluster", {"contact": "ops"}, ("202", "403", "403", "403", "403")),
    ("GET", "/api/svm/svms", None, ("200 n=2", "200 n=2", "200 n=1", "200 n=1", "200 n=1")),
    (
        "GET",
        "/api/svm/svms?return_records=false",
        None,
        ("200 n=2", "200 n=2", "200 n=1", "200 n=1", "200 n=1"),
    ),
    ("GET", "/api/svm/svms/{svm1}", None, ("200", "200", "200", "200", "200")),
    ("GET", "/api/svm/svms/{svm2}", None, ("200", "200", "404", "404", "404")),
    ("POST", "/api/svm/svms", {"name": "svm9"}, ("202", "403", "403", "403", "403")),
    ("PATCH", "/api/svm/svms/{svm1}", {"comment": "c"}, ("202", "403", "403", "403", "403")),
    ("DELETE", "/api/svm/svms/{svm1}", None, ("-", "403", "403", "403", "403")),
    ("GET", CERTS, None, ("200 n=7", "200 n=7", "200 n=3", "200 n=3", "200 n=3")),
    ("GET", CERTS + "/{c2}", None, ("200", "200", "404", "404", "404")),
    ("GET", CERTS + "/{cc}", None, ("200", "200", "404", "404", "404")),
    (
        "POST",
        CERTS,
        {"type": "root_ca", "common_name": "made"},
        ("201", "403", "201", "403", "201"),
    ),
    ("DELETE", CERTS + "/{d1}", None, ("200", "403", "200", "403", "200")),
    ("DELETE", CERTS + "/{d2}", None, ("200", "403", "404", "403", "404")),
    ("DELETE", CERTS + "?name=d*", None, ("200 n=0", "403", "200 n=0", "403", "200 n=0")),
    ("GET", CAS, None, ("200 n=3", "200 n=3", "200 n=1", "200 n=1", "200 n=1")),
    ("GET", CAS + "/{c2}", None, ("200", "200", "404", "404", "404")),
    (
        "POST",
        CAS,
        {"certificate": {"uuid": "{a1}"}, "svm": {"name": "svm1"}},
        ("201", "403", "201", "403", "201"),
    ),
    (
        "POST",
        CAS,
        {"certificate": {"uuid": "{a2}"}, "svm": {"name": "svm2"}},
        ("201", "403", "400 c2", "403", "400 c2"),
    ),
    ("DELETE", CAS + "/{c2}", None, ("200", "403", "404", "403", "404")),
    ("GET", "/api/security/ipsec", None, ("200", "200", "403", "403", "403")),
    ("PATCH", "/api/security/ipsec", {"replay_window": "64"}, ("200", "403", "403", "403", "403")),
    ("GET", POLICIES, None, ("200 n=3", "200 n=3", "200 n=1", "200 n=1", "200 n=1")),
    ("POST", POLICIES, psk_body("made"), ("201", "403", "201", "403", "201")),
    ("GET", POLICIES + "/{p2}", None, ("200", "200", "404", "404", "404")),
    ("PATCH", POLICIES + "/{p2}", {"enabled": False}, ("200", "403", "404", "403", "404")),
    ("DELETE", POLICIES + "/{p2}", None, ("200", "403", "404", "403", "404")),
    ("GET", SAS, None, ("200 n=0", "200 n=0", "200 n=0", "200 n=0", "200 n=0")),
    # admin: 2 SVM creates, the cluster's and svm1's PATCH and svm9's create
    ("GET", "/api/cluster/jobs", None, ("200 n=5", "200 n=2", "200 n=1", "200 n=1", "200 n=1")),
    ("GET", ACCOUNTS, None, ("200 n=5", "200 n=5", "200 n=1", "200 n=1", "200 n=2")),
    ("POST", ACCOUNTS, account_body("made", "Fresh-pass-55"), ("201", "403", "403", "403", "403")),
    ("GET", ACCOUNTS + "/{svm2}/vs2", None, ("200", "200", "404", "404", "404")),
    ("GET", ACCOUNTS + "/{svm1}/vs1", None, ("200", "200", "200", "404", "200")),
    ("PATCH", ACCOUNTS + "/{svm1}/vs1ro", {"comment": "c"}, ("200", "403", "403", "403", "403")),
    ("DELETE", ACCOUNTS + "/{svm1}/vs1ro", None, ("200", "403", "403", "403", "403")),
    # admin: svm9 was made above, so four SVMs' worth of roles less one
    ("GET", ROLES, None, ("200 n=8", "200 n=6", "200 n=2", "200 n=2", "200 n=2")),
    ("GET", ROLES + "/{svm2}/vsadmin", None, ("200", "200", "404", "404", "404")),
    ("GET", ROLES + "/{cluster}/admin", None, ("200", "200", "404", "404", "404")),
    ("DELETE", "/api/svm/svms/{svm2}", None, ("202", "403", "403", "403", "403")),
    (
        "POST",
        PASSWORD,
        {"name": "{me}", "password": "Changed-pass-66"},
        ("201", "201", "201", "201", "201"),
    ),
]
LOGIN = {
    "admin": ("admin", {}),
    "readonly": ("ro", {}),
    "vsadmin": ("vs1", {}),
    "vsadmin-ro": ("vs1ro", {}),
    "tunnel": ("admin", {"X-Dot-SVM-Name": "svm1"}),
}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, uuid in ids.items():
            value = value.replace("{" + name + "}", uuid)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _cell(response: Any) -> str:
    status = response.status_code
    body = response.json() if response.content else {}
    if status == 403:
        assert body == {"error": {"message": "not authorized for that command", "code": "6"}}
        return "403"
    if status == 404:
        assert body["error"]["code"] == "4" and body["error"]["message"] == "entry doesn't exist"
        return "404"
    if status >= 400:
        return f"{status} c{body['error']['code']}"
    if "num_records" in body and "job" not in body:
        return f"{status} n={body['num_records']}"
    return str(status)


@pytest.mark.parametrize("column", COLUMNS)
def test_every_role_on_every_path_and_method(world: World, column: str) -> None:
    name, headers = LOGIN[column]
    ids = {
        **world.ids,
        "cluster": world.cluster,
        "svm1": world.svm1,
        "svm2": world.svm2,
        "me": name,
    }
    at = COLUMNS.index(column)
    found: list[str] = []
    with world.client(name, headers=headers) as c:
        for method, path, body, cells in TABLE:
            expected = cells[at]
            if expected == "-":
                continue
            kw: dict[str, Any] = {} if body is None else {"json": _fill(body, ids)}
            response = c.request(method, _fill(path, ids), **kw)
            got = _cell(response)
            if got != expected:
                found.append(f"{method} {path}: expected {expected}, got {got} {response.text}")
    assert found == []
    # the last row changed the password: the old one no longer logs in, the new one does
    with world.client(name, headers=headers) as old:
        assert old.get("/api/cluster").status_code == 401
    PASSWORDS_AFTER = "Changed-pass-66"
    from ontap_ipsec.inprocess import client

    with client(world.app, auth=(name, PASSWORDS_AFTER), headers=headers) as new:
        assert new.get("/api/cluster").status_code == 200
    assert PASSWORDS[name] != PASSWORDS_AFTER
