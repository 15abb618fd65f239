"""netapp_ontap's Account, AccountPassword and Role against `ontap-ipsec serve` (HTTPS):
an SVM administrator made, found, logged in as, its password changed; what it sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.requirements import require
from tests.server.process import Server

require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")

from netapp_ontap import HostConnection  # noqa: E402
from netapp_ontap.error import NetAppRestError  # noqa: E402
from netapp_ontap.resources import (  # noqa: E402
    Account,
    AccountPassword,
    Role,
    SecurityCertificate,
    Svm,
)


@pytest.fixture(scope="module")
def server(release_server: Server) -> Server:
    """The oldest and the newest release profiled, in turn."""
    return release_server


def connect(server: Server, user: str, password: str) -> HostConnection:
    return HostConnection(
        server.host, port=server.port, username=user, password=password, verify=False
    )


@pytest.fixture
def admin(server: Server, no_ca_bundle: None) -> Iterator[HostConnection]:
    with connect(server, server.username, server.password) as conn:
        yield conn


def test_an_svm_administrator_through_netapp_ontap(server: Server, admin: HostConnection) -> None:
    suffix = server.port  # the module's server is shared by both tests of each release
    names = [f"acct{suffix}a", f"acct{suffix}b"]
    for name in names:
        Svm(name=name).post()
        SecurityCertificate(
            svm={"name": name}, type="root_ca", common_name=f"{name}-ca", name=f"{name}-ca"
        ).post()
    account = Account(
        name="vsops",
        owner={"name": names[0]},
        role={"name": "vsadmin"},
        applications=[{"application": "http", "authentication_methods": ["password"]}],
        password="Vs-ops-pass-1",
        comment="made by netapp_ontap",
    )
    account.post()
    found = Account.find(name="vsops", fields="owner,role,comment,scope")
    assert found.owner.name == names[0] and found.role.name == "vsadmin"
    assert found.scope == "svm" and found.comment == "made by netapp_ontap"
    found.comment = "changed"
    found.patch()
    again = Account(owner={"uuid": found.owner.uuid}, name="vsops")
    again.get()
    assert again.comment == "changed"
    roles = {(r.owner.name, r.name) for r in Role.get_collection(**{"owner.name": names[0]})}
    assert roles == {(names[0], "vsadmin"), (names[0], "vsadmin-readonly")}
    with connect(server, "vsops", "Vs-ops-pass-1"):
        seen = {c.svm.name for c in SecurityCertificate.get_collection(fields="svm")}
        assert seen == {names[0]}
        assert [s.name for s in Svm.get_collection()] == [names[0]]
        with pytest.raises(NetAppRestError) as refused:
            Svm(name=f"acct{suffix}c").post()
        assert refused.value.http_err_response.http_response.status_code == 403
        AccountPassword(name="vsops", password="Vs-ops-pass-2").post()
    with connect(server, "vsops", "Vs-ops-pass-2"):
        assert SecurityCertificate.count_collection() == 1
    with connect(server, "vsops", "Vs-ops-pass-1"), pytest.raises(NetAppRestError):
        SecurityCertificate.count_collection()
    Account(owner={"uuid": found.owner.uuid}, name="vsops").delete()
    assert Account.count_collection(name="vsops") == 0
