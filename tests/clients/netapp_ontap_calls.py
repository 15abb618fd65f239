"""What the netapp_ontap suites share: the admin's connection, SVMs by identity, and how a
refusal reads as the library raises it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.clients.conftest import Identity
from tests.requirements import require
from tests.server.process import Server

require("netapp_ontap", "pip install netapp-ontap; it is in the test extra")

from netapp_ontap import HostConnection  # noqa: E402
from netapp_ontap.error import NetAppRestError  # noqa: E402
from netapp_ontap.resources import Svm  # noqa: E402


def as_admin(server: Server) -> HostConnection:
    return HostConnection(
        server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        verify=False,
    )


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def make_svm(identity: Identity) -> Svm:
    """A new SVM for the admin; the vsadmin's own SVM (made by the admin) for the vsadmin."""
    if identity.vsadmin:
        found = Svm.find(name=identity.svm)
        assert found is not None
        return found
    svm = Svm(name=unique("vs"))
    svm.post(hydrate=True)
    return svm


def error_of(exc: NetAppRestError) -> dict[str, Any]:
    response = exc.http_err_response
    assert response is not None, exc
    return response.http_response.json()["error"]  # type: ignore[no-any-return]


def assert_refused(info: pytest.ExceptionInfo[NetAppRestError], status: int, code: str) -> None:
    """ONTAP's refusal as netapp_ontap raises it: 403 code 6 for a command the role lacks,
    404 code 4 for an object the account cannot see."""
    assert info.value.status_code == status, info.value
    assert error_of(info.value)["code"] == code
    message = "not authorized for that command" if status == 403 else "entry doesn't exist"
    assert str(info.value).endswith(f": {message}"), info.value


def delete_svm(identity: Identity, svm: Svm) -> None:
    """The admin deletes the SVM; its vsadmin may not (the fixture deletes it afterwards)."""
    if not identity.vsadmin:
        svm.delete()
        return
    with pytest.raises(NetAppRestError) as info:
        svm.delete()
    assert_refused(info, 403, "6")
    assert Svm.find(name=svm.name) is not None
