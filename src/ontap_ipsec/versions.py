"""ONTAP releases and how they differ on the wire: the version profiles.

`serve --ontap-version` names the release a server imitates; every release from 9.10.1
(where /api/security/ipsec/ca-certificates was introduced) to 9.18.1 has a profile. A
version between two releases takes the older one's profile (9.14.1P5 is 9.14.1); one
before 9.10.1 the 9.10.1 profile, one after 9.18.1 the 9.18.1 profile.

`DIFFERENCES` is the one table of what differs, each row with its source. The
declarations consult it: a field or an access to it outside its releases is unknown
(262179 "Unexpected argument" in a body or a query, 262197 in `fields`, absent from the
records and from the OpenAPI document); an endpoint outside its releases is "API not
found"; codes and answers that changed are looked up by name. docs/fidelity.md shows
the same table.

The profile in force is the serving app's, set for each request it handles
(:data:`ACTIVE`); outside a request (the CLI, seeding) it is the newest release.
Plain data: no HTTP, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

Release = tuple[int, int, int]

RELEASES: tuple[str, ...] = (
    "9.10.1",
    "9.11.1",
    "9.12.1",
    "9.13.1",
    "9.14.1",
    "9.15.1",
    "9.16.1",
    "9.17.1",
    "9.18.1",
)
OLDEST, NEWEST = RELEASES[0], RELEASES[-1]

# Sources, by the short names the table uses.
DOC = "docs.netapp.com/us-en/ontap-restapi-{}/"
SOURCES = {
    "ipsec-post-9111": "ONTAP 9.11.1 REST reference, POST /security/ipsec/ca-certificates: body "
    "`certificate`, `svm`; error 66257296 'CA certificate is not installed.'",
    "ipsec-post-9131": "ONTAP 9.13.1 REST reference, same page: body adds `scope`; the 201 "
    "answer's schema adds `_links`",
    "ipsec-post-9141": "ONTAP 9.14.1 REST reference, same page: `scope`, `_links`; error 66257304",
    "ipsec-post-latest": "ONTAP (latest) REST reference, same page: the 201 answer is "
    "`num_records` and `records` only, as the seed's example",
    "harvest-9111": "NetApp Harvest cmd/collectors/rest/rest.go sends ignore_unknown_fields "
    "only when ONTAP >= 9.11.1",
    "ansible-svm-9131": "netapp.ontap na_ontap_svm asks for `storage` only on ONTAP >= 9.13.1",
    "ansible-svm-9121": "netapp.ontap na_ontap_svm asks for `auto_enable_analytics` and "
    "`auto_enable_activity_tracking` only on ONTAP >= 9.12.1",
    "ipsec-offload-9161": "ONTAP's IPsec set-up guide (networking/ipsec-prepare): 9.16.1 adds "
    "`offload_enabled` to /api/security/ipsec (absent from the 9.14.1 GET and PATCH pages)",
    "ipsec-ppk-9171": "ONTAP 9.17.1 REST reference, PATCH /security/ipsec/policies/{uuid}: "
    "body `ppk` {identity}; the set-up guide: post-quantum pre-shared keys from 9.17.1",
    "ipsec-keepsa": "netapp_ontap 9.19.1's ipsec_policy has `certificate_modify_keepsa`; the "
    "9.17.1 reference has not. The first release is not confirmed: 9.18.1 is assumed",
    "audit-role-9171": "ONTAP (latest) REST reference, GET /security/audit/messages: the "
    "`role` field and filter 'Introduced in: 9.17'",
    "cert-post-sans": "ONTAP 9.14.1 REST reference, POST /security/certificates: no "
    "`subject_alternatives` in the request body; netapp_ontap 9.19.1's post fields of "
    "security_certificate have it. The first release that takes it is not confirmed: 9.15.1 "
    "is assumed",
}


@dataclass(frozen=True)
class Difference:
    """One thing that is only so in some releases."""

    what: str  # "field <schema>.<field> <access>", "endpoint <path>", "code <name>", ...
    since: str | None  # the first release it holds in (None: every release before `until`)
    until: str | None  # the last release it holds in (None: every release from `since`)
    source: str  # a key of SOURCES
    value: str | None = None  # for codes: the code in those releases

    def holds_in(self, release: Release) -> bool:
        low = parse(self.since) if self.since else (0, 0, 0)
        high = parse(self.until) if self.until else (99, 99, 99)
        return low <= release <= high


DIFFERENCES: tuple[Difference, ...] = (
    # IPsec CA certificates
    Difference("field ipsec_ca_certificate.scope post", "9.13.1", None, "ipsec-post-9131"),
    Difference("answer ipsec_ca_certificate post _links", "9.13.1", "9.14.1", "ipsec-post-9141"),
    Difference("code ca_not_installed", None, "9.12.1", "ipsec-post-9111", "66257296"),
    Difference("code ca_not_installed", "9.13.1", None, "ipsec-post-9141", "66257304"),
    # IPsec configuration and policies (both endpoints are older than every profile: 9.8)
    Difference("field ipsec.offload_enabled *", "9.16.1", None, "ipsec-offload-9161"),
    Difference("field ipsec_policy.ppk.identity *", "9.17.1", None, "ipsec-ppk-9171"),
    Difference("field ipsec_policy.ppk.shared_key *", "9.17.1", None, "ipsec-ppk-9171"),
    Difference("field ipsec_policy.certificate_modify_keepsa *", "9.18.1", None, "ipsec-keepsa"),
    # certificates
    Difference(
        "field security_certificate.subject_alternatives.dns post", "9.15.1", None,
        "cert-post-sans",
    ),
    Difference(
        "field security_certificate.subject_alternatives.email post", "9.15.1", None,
        "cert-post-sans",
    ),
    Difference(
        "field security_certificate.subject_alternatives.ip post", "9.15.1", None,
        "cert-post-sans",
    ),
    Difference(
        "field security_certificate.subject_alternatives.uri post", "9.15.1", None,
        "cert-post-sans",
    ),
    # the audit log (the endpoint itself is older than every profile: 9.6)
    Difference("field security_audit_log.role *", "9.17.1", None, "audit-role-9171"),
    # SVMs
    Difference("field svm.auto_enable_analytics *", "9.12.1", None, "ansible-svm-9121"),
    Difference("field svm.auto_enable_activity_tracking *", "9.12.1", None, "ansible-svm-9121"),
    Difference("field svm.storage.limit *", "9.13.1", None, "ansible-svm-9131"),
    Difference("field svm.storage.limit_threshold_alert *", "9.13.1", None, "ansible-svm-9131"),
    # the framework
    Difference("parameter ignore_unknown_fields", "9.11.1", None, "harvest-9111"),
)


def parse(version: str) -> Release:
    head = version.split("P", 1)[0].split("D", 1)[0]
    parts = head.split(".")
    return int(parts[0]), int(parts[1]), int(parts[2])


@dataclass(frozen=True)
class Profile:
    """The behaviour of one ONTAP release."""

    release: str

    @property
    def key(self) -> Release:
        return parse(self.release)

    def _rows(self, what: str) -> list[Difference]:
        return [d for d in DIFFERENCES if d.what == what]

    def allows(self, what: str) -> bool:
        """Whether `what` holds here: true unless the table limits it to other releases."""
        rows = self._rows(what)
        return not rows or any(d.holds_in(self.key) for d in rows)

    def field_allows(self, schema: str, field: str, access: str) -> bool:
        return _field_allows(self.release, id(DIFFERENCES), schema, field, access)

    def code(self, name: str, default: str) -> str:
        for row in self._rows(f"code {name}"):
            if row.holds_in(self.key) and row.value is not None:
                return row.value
        return default


@cache
def _field_allows(release: str, table: int, schema: str, field: str, access: str) -> bool:
    """Memoised per table (`table` is its id): a field's access is asked on every request."""
    profile = Profile(release)
    return profile.allows(f"field {schema}.{field} *") and profile.allows(
        f"field {schema}.{field} {access}"
    )


@cache
def profile_for(version: str) -> Profile:
    """The profile of `version`: the newest release not after it (see the module's doc)."""
    wanted = parse(version)
    chosen = OLDEST
    for release in RELEASES:
        if parse(release) <= wanted:
            chosen = release
    return Profile(chosen)


ACTIVE: ContextVar[Profile | None] = ContextVar("ontap_profile", default=None)
_NEWEST = Profile(NEWEST)


def current() -> Profile:
    """The profile of the request being handled (the newest release outside one)."""
    return ACTIVE.get() or _NEWEST


@contextmanager
def active(profile: Profile) -> Iterator[Profile]:
    """Run a block under `profile` (each request the app handles runs under its own)."""
    token = ACTIVE.set(profile)
    try:
        yield profile
    finally:
        ACTIVE.reset(token)
