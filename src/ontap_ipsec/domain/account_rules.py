"""What an account's fields may hold: its name, applications and role (ONTAP's rules).

The application tuples are those of `security login create`: an application, the
methods it authenticates by, and for ssh a second method (MFA).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ontap_ipsec.domain import roles
from ontap_ipsec.domain.errors import DomainError, invalid_value

# letters, digits and ". _ - @ \" (a domain user is DOMAIN\user), at most 64 characters
NAME_RULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,63}$")
# application -> the authentication methods it takes (ONTAP 9.10.1's choices)
METHODS: dict[str, tuple[str, ...]] = {
    "http": ("password", "domain", "nsswitch", "cert", "saml"),
    "ontapi": ("password", "domain", "nsswitch", "cert"),
    "ssh": ("password", "publickey", "domain", "nsswitch"),
    "console": ("password", "domain", "nsswitch"),
    "service_processor": ("password",),
    "amqp": ("password",),
}
SECOND_METHODS = ("none", "password", "publickey", "nsswitch")

Tuples = tuple[tuple[str, tuple[str, ...], str], ...]


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RULE.match(name):
        raise invalid_value(
            "name",
            name,
            'letters, digits, ".", "_", "-", "@" and "\\", at most 64 characters',
        )
    return name


def check_role(role: Any, scope: str) -> str:
    """A built-in role of the account's owner: admin or readonly for the cluster, vsadmin
    or vsadmin-readonly for an SVM."""
    if role is None:
        return roles.default_role(scope)
    if roles.scope_of(role) != scope:
        owner = "the cluster" if scope == "cluster" else "an SVM"
        allowed = roles.CLUSTER_ROLES if scope == "cluster" else roles.SVM_ROLES
        raise invalid_value(
            "role.name", role, f"no such role for {owner}; one of {', '.join(allowed)}"
        )
    return str(role)


def check_applications(value: Any) -> Tuples:
    """The application tuples of a body, each application once, each method its own."""
    if not isinstance(value, list) or not value:
        raise invalid_value("applications", value, "one or more application tuples")
    seen: set[str] = set()
    out: list[tuple[str, tuple[str, ...], str]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {
            "application",
            "authentication_methods",
            "second_authentication_method",
        }:
            raise invalid_value(
                "applications",
                item,
                "application, authentication_methods, second_authentication_method",
            )
        app = item.get("application")
        if app not in METHODS:
            raise invalid_value("applications.application", app, "|".join(METHODS))
        if app in seen:
            raise invalid_value("applications.application", app, "given twice")
        seen.add(app)
        methods = item.get("authentication_methods")
        if (
            not isinstance(methods, list)
            or not methods
            or not all(isinstance(m, str) for m in methods)
            or len(set(methods)) != len(methods)
        ):
            raise invalid_value(
                "applications.authentication_methods", methods, "one or more methods"
            )
        for method in methods:
            if method not in METHODS[app]:
                raise DomainError(
                    "262185",
                    f'"{method}" is not an authentication method of application "{app}" '
                    f"(one of {', '.join(METHODS[app])})",
                    target="applications.authentication_methods",
                )
        second = item.get("second_authentication_method", "none")
        if second not in SECOND_METHODS:
            raise invalid_value(
                "applications.second_authentication_method", second, "|".join(SECOND_METHODS)
            )
        if second != "none" and app != "ssh":
            raise DomainError(
                "262185",
                f'A second authentication method is supported only for application "ssh", '
                f'not "{app}".',
                target="applications.second_authentication_method",
            )
        out.append((app, tuple(methods), second))
    return tuple(out)


def by_password(tuples: Tuples) -> bool:
    return any("password" in methods for _, methods, _ in tuples)


def to_json(tuples: Tuples) -> str:
    return json.dumps(
        [
            {"application": a, "authentication_methods": list(m), "second_authentication_method": s}
            for a, m, s in tuples
        ]
    )


LEGACY: Tuples = (("http", ("password",), "none"), ("console", ("password",), "none"))


def from_json(text: str | None) -> Tuples:
    if not text:
        return LEGACY
    return tuple(
        (
            t["application"],
            tuple(t["authentication_methods"]),
            t.get("second_authentication_method", "none"),
        )
        for t in json.loads(text)
    )
