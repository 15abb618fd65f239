"""The layers keep to themselves: HTTP in rest/ and resources/, SQL in store/, rules in domain/.

Read with `ast` from the source (nothing is imported), module-level and function-level
imports alike: a lazy import of SQLAlchemy in a handler is still SQL in a handler.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ontap_ipsec

ROOT = Path(ontap_ipsec.__file__).resolve().parent


def imported(path: Path) -> set[str]:
    """Every module name `path` imports, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def offending(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in modules(*folders):
        bad = sorted(
            n for n in imported(path) if any(n == f or n.startswith(f + ".") for f in forbidden)
        )
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_rest_and_resources_import_no_sqlalchemy() -> None:
    assert offending(("rest", "resources"), ("sqlalchemy", "alembic", "psycopg")) == {}


def test_the_control_api_imports_no_sqlalchemy() -> None:
    assert offending(("control",), ("sqlalchemy", "alembic", "psycopg")) == {}


def test_domain_imports_nothing_of_http() -> None:
    http = (
        "ontap_ipsec.rest",
        "ontap_ipsec.resources",
        "ontap_ipsec.app",
        "ontap_ipsec.auth",
        "ontap_ipsec.cli",
        "httpx",
        "uvicorn",
        "granian",
        "starlette",
        "requests",
    )
    assert offending(("domain",), http) == {}


def test_store_raises_no_http_errors() -> None:
    """The store knows the declaration and the parsed query (plain data), not the wire."""
    wire = ("ontap_ipsec.rest.errors", "ontap_ipsec.rest.http", "ontap_ipsec.resources")
    assert offending(("store",), wire) == {}


def test_resources_change_state_only_through_backends() -> None:
    """No resource module reaches the tables or the store's statements itself."""
    assert (
        offending(("resources",), ("ontap_ipsec.store.tables", "ontap_ipsec.store.prepared")) == {}
    )


def test_the_check_sees_imports_where_they_are() -> None:
    """The store does use SQLAlchemy, a handler module the REST framework: an empty answer
    above is a clean layer, not a checker that sees nothing."""
    assert "store/engine.py" in offending(("store",), ("sqlalchemy",))
    assert "resources/svms.py" in offending(("resources",), ("ontap_ipsec.rest",))
