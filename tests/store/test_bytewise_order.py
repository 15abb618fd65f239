"""Text compares bytewise on PostgreSQL as on SQLite, whatever the database's collation.

The same SVMs and certificates, whose names differ in case and punctuation, are
created on SQLite and on a PostgreSQL database collating by ICU's en-US rules
(where "a" < "A" < "B" < "b-2" and "_x" comes first). Every ordering and range
filter must answer the same on both, and in bytewise (code point) order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from ontap_ipsec.inprocess import client as inprocess_client
from tests.api.helpers import SVMS, make_svms
from tests.certs import make_ca, pem
from tests.conftest import AUTH, app_on
from tests.store.collated_db import icu_database

pytestmark = pytest.mark.postgres

CERTS = "/api/security/certificates"
IPSEC = "/api/security/ipsec/ca-certificates"

# SVM names (by their rule, ASCII) and comments (any text, "é" among them).
SVM_COMMENTS = {
    "a": "alpha",
    "A": "Alpha",
    "B": "_under",
    "Z1": "Zulu",
    "_x": "éclair",
    "b-2": "eclair",
    "b.1": "e-mail",
    "b2": None,
}
# Bytewise: uppercase < "_" < lowercase; "-" < "." < digits. Written out, not computed,
# so that the test fails if both backends drifted the same way.
BYTEWISE_NAMES = ["A", "B", "Z1", "_x", "a", "b-2", "b.1", "b2"]
BYTEWISE_COMMENTS = ["Alpha", "Zulu", "_under", "alpha", "e-mail", "eclair", "éclair"]

# Certificates: cluster-scoped ones, and some in SVMs named so that `svm.name` orders too.
CLUSTER_CERTS = ["a", "B", "_x", "Z1", "b-2"]
SVM_CERTS = {"b": "a", "C": "B", "c_": "_x"}  # certificate name: SVM name


def _populate(api: httpx.Client) -> None:
    make_svms(api, list(SVM_COMMENTS.items()))
    for i, (name, svm) in enumerate([(n, None) for n in CLUSTER_CERTS] + list(SVM_CERTS.items())):
        body: dict[str, object] = {
            "type": "server_ca",
            "name": name,
            "public_certificate": pem(make_ca("p256", f"bytewise-{i}", slot=70)[0]),
        }
        if svm is not None:
            body["svm"] = {"name": svm}
        response = api.post(CERTS, json=body)
        assert response.status_code == 201, response.text
        uuid = response.headers["location"].rsplit("/", 1)[1]
        entry: dict[str, object] = {"certificate": {"uuid": uuid}}
        if svm is not None:
            entry["svm"] = {"name": svm}
        assert api.post(IPSEC, json=entry).status_code == 201


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, httpx.Client]]:
    """The same data in an app on SQLite and in one on an ICU-collated PostgreSQL database."""
    with ExitStack() as stack:
        url = stack.enter_context(icu_database())
        clients = {}
        for backend, database in (("sqlite", None), ("postgresql", url)):
            data: Path = tmp_path_factory.mktemp(backend) / "data"
            application = stack.enter_context(app_on(data, database))
            api = stack.enter_context(inprocess_client(application, auth=AUTH))
            _populate(api)
            clients[backend] = api
        yield clients


def _names(api: httpx.Client, target: str, key: str = "name") -> list[object]:
    """The `key` of every record, following `_links.next` to the end."""
    found: list[object] = []
    href: str | None = target
    while href is not None:
        response = api.get(href)
        assert response.status_code == 200, (target, response.text)
        body = response.json()
        for record in body["records"]:
            value: object = record
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            found.append(value)
        href = body.get("_links", {}).get("next", {}).get("href")
    return found


def _agree(
    apis: dict[str, httpx.Client], target: str, expected: list[object], key: str = "name"
) -> None:
    answers = {backend: _names(api, target, key) for backend, api in apis.items()}
    assert answers["postgresql"] == answers["sqlite"], target
    assert answers["sqlite"] == expected, target


def test_the_expected_orders_are_the_bytewise_ones() -> None:
    assert sorted(SVM_COMMENTS, key=lambda s: s.encode()) == BYTEWISE_NAMES
    comments = [c for c in SVM_COMMENTS.values() if c is not None]
    assert sorted(comments, key=lambda s: s.encode()) == BYTEWISE_COMMENTS


SVM_CASES = {
    "order_by=name": BYTEWISE_NAMES,
    "order_by=name%20desc": BYTEWISE_NAMES[::-1],
    "order_by=name&max_records=3": BYTEWISE_NAMES,  # keyset cursors compare too
    "order_by=name%20desc&max_records=3": BYTEWISE_NAMES[::-1],
    "order_by=name&name=<b": ["A", "B", "Z1", "_x", "a"],
    "order_by=name&name=<=B": ["A", "B"],
    "order_by=name&name=>Z": ["Z1", "_x", "a", "b-2", "b.1", "b2"],
    "order_by=name&name=>=_": ["_x", "a", "b-2", "b.1", "b2"],
    "order_by=name&name=a..c": ["a", "b-2", "b.1", "b2"],
    "order_by=name&name=A..Z9": ["A", "B", "Z1"],
    "order_by=name&name=b-2..b2": ["b-2", "b.1", "b2"],
    "order_by=name&name=<a|>b.": ["A", "B", "Z1", "_x", "b.1", "b2"],
    "order_by=name&name=b*": ["b-2", "b.1", "b2"],
    "order_by=name&name=A": ["A"],
    "order_by=name&name=!a": [n for n in BYTEWISE_NAMES if n != "a"],
}


@pytest.mark.parametrize("query", list(SVM_CASES))
def test_svm_names_compare_bytewise_on_both_backends(
    apis: dict[str, httpx.Client], query: str
) -> None:
    _agree(apis, f"{SVMS}?{query}", SVM_CASES[query])


def test_non_ascii_text_orders_by_code_point_on_both_backends(
    apis: dict[str, httpx.Client],
) -> None:
    _agree(apis, f"{SVMS}?order_by=comment&comment=!null", BYTEWISE_COMMENTS, key="comment")
    # By language rules "é" sorts with "e"; bytewise it comes after every ASCII letter.
    _agree(apis, f"{SVMS}?comment=e..f&order_by=comment", ["e-mail", "eclair"], key="comment")
    _agree(apis, f"{SVMS}?comment=>f&order_by=comment", ["éclair"], key="comment")
    # An unset comment sorts first, as everywhere.
    by_comment = {comment: name for name, comment in SVM_COMMENTS.items()}
    expected = ["b2", *[by_comment[c] for c in BYTEWISE_COMMENTS]]
    _agree(apis, f"{SVMS}?order_by=comment&max_records=2", expected)


CERT_NAMES = sorted(CLUSTER_CERTS + list(SVM_CERTS), key=lambda s: s.encode())
CERT_CASES = {
    "order_by=name": ["B", "C", "Z1", "_x", "a", "b", "b-2", "c_"],
    "order_by=name&max_records=3": ["B", "C", "Z1", "_x", "a", "b", "b-2", "c_"],
    "order_by=name&name=<b": ["B", "C", "Z1", "_x", "a"],
    "order_by=name&name=a..c": ["a", "b", "b-2"],
    "order_by=name&name=>Z&scope=cluster": ["Z1", "_x", "a", "b-2"],
    # svm.name is the joined SVM's column; cluster certificates have none and come first.
    "order_by=svm.name,name": ["B", "Z1", "_x", "a", "b-2", "C", "c_", "b"],
    "order_by=svm.name%20desc,name&max_records=2": ["b", "c_", "C", "B", "Z1", "_x", "a", "b-2"],
    "order_by=name&svm.name=<a": ["C", "c_"],
    # scope is a CASE expression of "cluster" or "svm": the same in every collation.
    "order_by=scope,name": ["B", "Z1", "_x", "a", "b-2", "C", "b", "c_"],
    "order_by=scope%20desc,name": ["C", "b", "c_", "B", "Z1", "_x", "a", "b-2"],
    "order_by=name&scope=<svm": ["B", "Z1", "_x", "a", "b-2"],
    "order_by=name&scope=cluster..svm&name=<a": ["B", "C", "Z1", "_x"],
}


@pytest.mark.parametrize("query", list(CERT_CASES))
def test_certificate_names_compare_bytewise_on_both_backends(
    apis: dict[str, httpx.Client], query: str
) -> None:
    assert sorted(CERT_CASES["order_by=name"]) == CERT_NAMES
    _agree(apis, f"{CERTS}?fields=name&{query}", CERT_CASES[query])


def test_ipsec_entries_order_by_svm_name_bytewise_on_both_backends(
    apis: dict[str, httpx.Client],
) -> None:
    expected = [None] * len(CLUSTER_CERTS) + ["B", "_x", "a"]
    _agree(apis, f"{IPSEC}?order_by=svm.name&fields=svm.name", expected, key="svm.name")
    target = f"{IPSEC}?svm.name={quote('<a')}&order_by=svm.name&fields=svm.name"
    _agree(apis, target, ["B", "_x"], key="svm.name")


@pytest.mark.parametrize("target", [CERTS, IPSEC])
def test_scope_orders_cluster_before_svm_on_both_backends(
    apis: dict[str, httpx.Client], target: str
) -> None:
    """`scope` is a CASE expression: "cluster" < "svm" under every collation."""
    expected = ["cluster"] * len(CLUSTER_CERTS) + ["svm"] * len(SVM_CERTS)
    _agree(apis, f"{target}?order_by=scope&fields=scope", expected, key="scope")
    _agree(apis, f"{target}?order_by=scope%20desc&fields=scope", expected[::-1], key="scope")
    _agree(apis, f"{target}?scope=<svm&fields=scope", expected[: len(CLUSTER_CERTS)], key="scope")
    _agree(apis, f"{target}?scope=>cluster&fields=scope", ["svm"] * len(SVM_CERTS), key="scope")
