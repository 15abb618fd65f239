"""Every committed change of state is published once, after its commit, with old and new
values; a refused or rolled-back change publishes nothing. One subscriber per test records
what it hears, for each path that changes state (the SVM cascade and the reset included)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.domain import events as ev
from ontap_ipsec.domain.events import EventBus
from ontap_ipsec.domain.scope import ScopeRef
from ontap_ipsec.inprocess import client as inprocess_client
from tests.conftest import AUTH
from tests.ipsec.conftest import CERTS, IPSEC, SVMS, install_ca, make_svm


class Recorder:
    def __init__(self, app: OntapApp) -> None:
        self.app = app
        self.events: list[Any] = []
        self.committed_when_heard: list[bool] = []
        app.ctx.events.subscribe(self._hear)

    def _hear(self, event: Any) -> None:
        # Published after the commit: a fresh connection already sees the change.
        self.events.append(event)

    def take(self) -> list[Any]:
        out, self.events = self.events, []
        return out


@pytest.fixture
def heard(any_app: OntapApp) -> Recorder:
    return Recorder(any_app)


@pytest.fixture
def client(any_app: OntapApp) -> Iterator[httpx.Client]:
    with inprocess_client(any_app, auth=AUTH) as c:
        yield c


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_an_ipsec_add_and_remove_publish_the_entry(client: httpx.Client, heard: Recorder) -> None:
    svm = make_svm(client, "vs1")
    ca = install_ca(client, "ca1", svm="vs1")
    heard.take()
    assert (
        client.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}}).status_code
        == 201
    )
    entry = ev.IpsecCaEntry(ca, svm, svm, "vs1")
    assert heard.take() == [ev.IpsecCaAdded(entry)]
    assert client.delete(f"{IPSEC}/{ca}").status_code == 200
    assert heard.take() == [ev.IpsecCaRemoved(entry, "request")]


def test_a_cluster_scope_entry_has_no_svm(client: httpx.Client, heard: Recorder) -> None:
    ca = install_ca(client, "ca0")
    heard.take()
    client.post(IPSEC, json={"certificate": {"uuid": ca}})
    assert heard.take() == [ev.IpsecCaAdded(ev.IpsecCaEntry(ca, "cluster", None, None))]


def test_refused_changes_publish_nothing(client: httpx.Client, heard: Recorder) -> None:
    ca = install_ca(client, "ca1")
    client.post(IPSEC, json={"certificate": {"uuid": ca}})
    heard.take()
    assert client.post(IPSEC, json={"certificate": {"uuid": ca}}).status_code == 409
    assert client.delete(f"{IPSEC}/{ca}x").status_code == 404
    assert client.delete(f"{CERTS}/{ca}").status_code == 400  # in use
    assert client.post(SVMS, json={"name": "bad name"}).status_code == 400
    assert heard.take() == []


def test_a_query_delete_publishes_one_removal_per_entry(
    client: httpx.Client, heard: Recorder
) -> None:
    make_svm(client, "vs1")
    cas = [install_ca(client, f"ca{i}", svm="vs1") for i in range(3)]
    for ca in cas:
        client.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}})
    heard.take()
    response = client.delete(IPSEC, params={"svm.name": "vs1"})
    assert response.json() == {"num_records": 3}
    removed = heard.take()
    assert kinds(removed) == ["IpsecCaRemoved"] * 3
    assert sorted(e.entry.certificate_uuid for e in removed) == sorted(cas)


def test_certificate_install_and_delete_publish_the_certificate(
    client: httpx.Client, heard: Recorder
) -> None:
    ca = install_ca(client, "ca1")
    (installed,) = heard.take()
    assert isinstance(installed, ev.CertificateInstalled)
    assert (installed.certificate.uuid, installed.certificate.name) == (ca, "ca1")
    assert (installed.certificate.scope_key, installed.certificate.is_ca) == ("cluster", True)
    assert client.delete(f"{CERTS}/{ca}").status_code == 200
    assert heard.take() == [ev.CertificateDeleted(installed.certificate)]


def test_svm_create_modify_delete_carry_old_and_new(client: httpx.Client, heard: Recorder) -> None:
    svm = make_svm(client, "vs1")
    (created,) = heard.take()
    assert created == ev.SvmCreated(ev.SvmRecord(svm, "vs1", None, "c.utf_8", "running"))
    client.patch(f"{SVMS}/{svm}", json={"name": "vs2", "comment": "lab"})
    (modified,) = heard.take()
    assert modified == ev.SvmModified(
        created.svm, ev.SvmRecord(svm, "vs2", "lab", "c.utf_8", "running")
    )
    client.delete(f"{SVMS}/{svm}")
    assert heard.take() == [ev.SvmDeleted(modified.new)]


def test_an_svm_delete_publishes_its_cascade_first(client: httpx.Client, heard: Recorder) -> None:
    svm = make_svm(client, "vs1")
    listed = install_ca(client, "listed", svm="vs1")
    unlisted = install_ca(client, "unlisted", svm="vs1")
    kept = install_ca(client, "cluster-ca")
    client.post(IPSEC, json={"certificate": {"uuid": listed}, "svm": {"name": "vs1"}})
    client.post(IPSEC, json={"certificate": {"uuid": kept}})
    heard.take()
    assert client.delete(f"{SVMS}/{svm}").status_code == 202
    gone = heard.take()
    assert kinds(gone) == [
        "IpsecCaRemoved",
        "CertificateDeleted",
        "CertificateDeleted",
        "SvmDeleted",
    ]
    assert gone[0] == ev.IpsecCaRemoved(ev.IpsecCaEntry(listed, svm, svm, "vs1"), "svm_deleted")
    assert {e.certificate.uuid for e in gone[1:3]} == {listed, unlisted}
    assert all(e.cause == "svm_deleted" for e in gone[:3])
    assert client.get(IPSEC).json()["num_records"] == 1  # the cluster's entry stays


def test_the_reset_publishes_every_removal(
    any_app: OntapApp, client: httpx.Client, heard: Recorder
) -> None:
    svm = make_svm(client, "vs1")
    ca = install_ca(client, "ca1", svm="vs1")
    client.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}})
    heard.take()
    any_app.ctx.backends.reset()
    gone = heard.take()
    assert kinds(gone) == ["IpsecCaRemoved", "CertificateDeleted", "SvmDeleted"]
    assert gone[0] == ev.IpsecCaRemoved(ev.IpsecCaEntry(ca, svm, svm, "vs1"), "reset")
    assert all(e.cause == "reset" for e in gone)
    assert client.get(IPSEC).json()["num_records"] == 0


def test_events_are_heard_after_the_commit(any_app: OntapApp, client: httpx.Client) -> None:
    """The subscriber reads the store itself when it hears the event: the change is there."""
    seen: list[dict[str, dict[str, str]]] = []
    any_app.ctx.events.subscribe(
        lambda _e: seen.append(any_app.ctx.backends.ipsec_ca.trusted()), ev.IpsecCaAdded
    )
    ca = install_ca(client, "ca1")
    client.post(IPSEC, json={"certificate": {"uuid": ca}})
    assert len(seen) == 1 and list(seen[0]["cluster"]) == [ca]


def test_a_change_rolled_back_publishes_nothing(
    any_app: OntapApp, client: httpx.Client, heard: Recorder
) -> None:
    """A failure after the statements ran, before the commit: nothing stored, nothing heard."""
    ca = install_ca(client, "ca1")
    heard.take()
    original = any_app.ctx.store.reader.transaction

    class Boom(Exception):
        pass

    def failing_commit() -> Any:
        from contextlib import contextmanager

        @contextmanager
        def wrapped() -> Iterator[Any]:
            with original() as tx:
                yield tx
                raise Boom  # after the insert ran, before the commit

        return wrapped()

    any_app.ctx.store.reader.transaction = failing_commit  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            any_app.ctx.backends.ipsec_ca.add(ca, ScopeRef())
    finally:
        any_app.ctx.store.reader.transaction = original  # type: ignore[method-assign]
    assert heard.take() == []
    assert client.get(IPSEC).json()["num_records"] == 0


def test_a_failing_subscriber_neither_undoes_the_change_nor_silences_others(
    client: httpx.Client, any_app: OntapApp, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[Any] = []

    def broken(_event: Any) -> None:
        raise RuntimeError("subscriber bug")

    any_app.ctx.events.subscribe(broken)
    any_app.ctx.events.subscribe(heard.append)
    response = client.post(SVMS, json={"name": "vs1"})
    assert response.status_code == 202
    assert kinds(heard) == ["SvmCreated"]
    assert "subscriber" in caplog.text and "SvmCreated" in caplog.text
    assert client.get(SVMS).json()["num_records"] == 1


def test_subscribers_filter_by_kind_and_unsubscribe() -> None:
    bus = EventBus()
    svm = ev.SvmRecord("u", "vs1", None, "c.utf_8", "running")
    only_created: list[Any] = []
    everything: list[Any] = []
    bus.subscribe(only_created.append, ev.SvmCreated)
    stop = bus.subscribe(everything.append)
    bus.publish([ev.SvmCreated(svm), ev.SvmDeleted(svm)])
    stop()
    bus.publish([ev.SvmCreated(svm)])
    assert only_created == [ev.SvmCreated(svm), ev.SvmCreated(svm)]
    assert everything == [ev.SvmCreated(svm), ev.SvmDeleted(svm)]


def test_events_arrive_on_the_thread_that_made_the_change(
    any_app: OntapApp, client: httpx.Client
) -> None:
    """On SQLite a change runs on the event loop while nobody holds the write lock, else in
    one of the app's writer threads; its events are heard on that thread."""
    threads: list[str] = []
    any_app.ctx.events.subscribe(lambda _e: threads.append(threading.current_thread().name))
    client.post(SVMS, json={"name": "vs1"})
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with any_app.ctx.store.write_lock.held():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    client.post(SVMS, json={"name": "vs2"})  # waits for the lock in a writer thread
    holder.join(10)
    in_writer = [name.startswith("ontap-write") for name in threads]
    if any_app.ctx.store.dialect == "sqlite":
        assert in_writer == [False, True]
    else:  # PostgreSQL arbitrates its writers itself: every change runs in a writer thread
        assert in_writer == [True, True]


# ---------------------------------------------------------------------------
# IPsec policies and the IPsec configuration

POLICIES = "/api/security/ipsec/policies"


def _policy_body(name: str, svm: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "local_endpoint": {"address": "10.0.0.1", "netmask": "32"},
        "remote_endpoint": {"address": "10.0.1.0", "netmask": "24"},
        "secret_key": "a-pre-shared-key-of-some-length",
        **extra,
    }
    if svm is not None:
        body["svm"] = {"name": svm}
    return body


def test_policy_create_modify_delete_carry_the_policy(
    client: httpx.Client, heard: Recorder
) -> None:
    svm = make_svm(client, "vs1")
    heard.take()
    created = client.post(POLICIES, json=_policy_body("p1", "vs1"))
    uuid = created.headers["location"].rsplit("/", 1)[1]
    record = ev.IpsecPolicyRecord(uuid, "p1", svm, svm, "vs1", True, "esp_transport", "psk", None)
    assert heard.take() == [ev.IpsecPolicyCreated(record)]
    client.patch(f"{POLICIES}/{uuid}", json={"enabled": False})
    disabled = ev.IpsecPolicyRecord(
        uuid, "p1", svm, svm, "vs1", False, "esp_transport", "psk", None
    )
    assert heard.take() == [ev.IpsecPolicyModified(record, disabled)]
    client.delete(f"{POLICIES}/{uuid}")
    assert heard.take() == [ev.IpsecPolicyDeleted(disabled, "request")]


def test_refused_policy_and_config_changes_publish_nothing(
    client: httpx.Client, heard: Recorder
) -> None:
    client.post(POLICIES, json=_policy_body("p1"))
    heard.take()
    assert client.post(POLICIES, json=_policy_body("p1")).status_code == 409
    assert client.post(POLICIES, json=_policy_body("p2", secret_key="short")).status_code == 400
    assert client.patch(f"{POLICIES}/nosuch", json={"enabled": False}).status_code == 404
    assert client.delete(f"{POLICIES}/nosuch").status_code == 404
    assert client.patch("/api/security/ipsec", json={"replay_window": 3}).status_code == 400
    assert heard.take() == []


def test_a_config_patch_publishes_old_and_new(client: httpx.Client, heard: Recorder) -> None:
    client.patch("/api/security/ipsec", json={"enabled": True, "replay_window": "128"})
    assert heard.take() == [
        ev.IpsecConfigModified(
            ev.IpsecConfigRecord(False, 0, False), ev.IpsecConfigRecord(True, 128, False)
        )
    ]


def test_an_svm_delete_publishes_its_policies_first(client: httpx.Client, heard: Recorder) -> None:
    from tests.ipsec.conftest import install_leaf

    svm = make_svm(client, "vs1")
    leaf = install_leaf(client, "leaf", svm="vs1")
    pki = _policy_body(
        "pki",
        "vs1",
        certificate={"uuid": leaf},
        local_identity="CN=a",
        remote_identity="CN=b",
    )
    del pki["secret_key"]
    assert client.post(POLICIES, json=pki).status_code == 201
    assert client.post(POLICIES, json=_policy_body("psk", "vs1")).status_code == 201
    assert client.post(POLICIES, json=_policy_body("kept")).status_code == 201
    heard.take()
    assert client.delete(f"{SVMS}/{svm}").status_code == 202
    gone = heard.take()
    assert kinds(gone) == [
        "IpsecPolicyDeleted",
        "IpsecPolicyDeleted",
        "CertificateDeleted",
        "SvmDeleted",
    ]
    assert {e.policy.name for e in gone[:2]} == {"pki", "psk"}
    assert all(e.cause == "svm_deleted" for e in gone[:3])
    assert [r["name"] for r in client.get(POLICIES).json()["records"]] == ["kept"]


def test_the_reset_publishes_every_policy_first(
    any_app: OntapApp, client: httpx.Client, heard: Recorder
) -> None:
    make_svm(client, "vs1")
    ca = install_ca(client, "ca1", svm="vs1")
    client.post(IPSEC, json={"certificate": {"uuid": ca}, "svm": {"name": "vs1"}})
    client.post(POLICIES, json=_policy_body("p1", "vs1"))
    client.post(POLICIES, json=_policy_body("p2"))
    client.patch("/api/security/ipsec", json={"enabled": True})
    heard.take()
    any_app.ctx.backends.reset()
    gone = heard.take()
    assert kinds(gone) == [
        "IpsecPolicyDeleted",
        "IpsecPolicyDeleted",
        "IpsecConfigModified",
        "IpsecCaRemoved",
        "CertificateDeleted",
        "SvmDeleted",
    ]
    assert all(e.cause == "reset" for e in gone)
    assert client.get(POLICIES).json()["num_records"] == 0
    assert client.get("/api/security/ipsec").json()["enabled"] is False
