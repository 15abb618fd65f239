"""The state snapshot's document: versioned YAML, written the same way for the same state,
read back with the line of every record, so that a bad file is refused naming its line.

    format: ontap-ipsec-state
    version: 1
    cluster: {uuid: ..., name: cluster1, ...}
    accounts: [{name: admin, password_hash: scrypt$..., role: admin, locked: false}]
    svms: [...]
    certificates: [...]            # private_key only with private_keys (sealed)
    ipsec_ca_certificates: [...]
    jobs: [...]                    # the record of ended jobs
    private_keys: {kdf: scrypt, n: ..., r: ..., p: ..., salt: ..., cipher: ..., check: ...}

Each record holds its table's columns (see :mod:`ontap_ipsec.store.state`). `accounts`
may be left out (an import then keeps the accounts there are), and so may `jobs`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from ontap_ipsec.domain import errors
from ontap_ipsec.domain.errors import DomainError
from ontap_ipsec.store import state as rows
from ontap_ipsec.store.tables import IPSEC_CONFIG_DEFAULTS

FORMAT = "ontap-ipsec-state"
VERSION = 1
# sections a document may leave out (older documents have no IPsec policies or config:
# a new cluster's configuration is taken then)
OPTIONAL = ("accounts", "jobs", "private_keys", "ipsec_config", "ipsec_policies")
TOP = ("format", "version", *(s.name for s in rows.SECTIONS), "private_keys")
MAX_BYTES = 64 * 1024 * 1024


def bad(line: int | None, message: str) -> DomainError:
    where = f"line {line}: " if line else ""
    return DomainError(errors.INVALID, f"{where}{message}", target="state")


# -- writing


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render(document: dict[str, Any]) -> str:
    """The document as YAML: keys in the order given, PEMs as literal blocks."""
    head = "# ontap-ipsec state snapshot: `ontap-ipsec state import` or PUT /_ontap-ipsec/state\n"
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return head + body


# -- reading


class Located(dict[str, Any]):
    """A mapping read from the document, with the line it starts on and each key's."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Located:
    out = Located()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise bad(key_node.start_mark.line + 1, "keys are names (text)")
        if key in out:
            raise bad(key_node.start_mark.line + 1, f'"{key}" is given twice')
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)  # type: ignore[arg-type]


def parse(text: str | bytes) -> Located:
    """The document's top mapping, its format and version checked."""
    if len(text) > MAX_BYTES:
        raise bad(None, f"the document is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise bad(mark.line + 1 if mark else None, f"not YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise bad(None, f"not YAML: {exc}") from None
    if not isinstance(document, Located):
        raise bad(1, "a state snapshot is a mapping (format, version, cluster, svms, ...)")
    if document.get("format") != FORMAT:
        raise bad(document.lines.get("format", 1), f'"format" must be "{FORMAT}"')
    if document.get("version") != VERSION:
        line = document.lines.get("version", 1)
        raise bad(line, f"version {document.get('version')!r} is not supported (only {VERSION})")
    for key in document:
        if key not in TOP:
            raise bad(document.lines[key], f'unknown section "{key}"')
    for section in rows.SECTIONS:
        if section.name not in document and section.name not in OPTIONAL:
            raise bad(None, f'the section "{section.name}" is missing')
    return document


def _value(record: Located, name: str, kind: rows.ColumnKind, where: str) -> Any:
    value = record[name]
    line = record.lines[name]
    if value is None:
        if not kind.nullable:
            raise bad(line, f'{where}: "{name}" cannot be null')
        return None
    expected: Any = {
        "text": str,
        "integer": int,
        "float": (int, float),
        "boolean": bool,
        "datetime": datetime,
    }[kind.kind]
    if isinstance(value, bool) and kind.kind != "boolean" or not isinstance(value, expected):
        raise bad(line, f'{where}: "{name}" must be {_kind_name(kind.kind)}')
    if kind.kind == "text" and kind.length is not None and len(value) > kind.length:
        raise bad(line, f'{where}: "{name}" is longer than {kind.length} characters')
    if kind.kind == "datetime" and value.tzinfo is not None:
        raise bad(line, f'{where}: "{name}" is a UTC time without an offset')
    return value


def _kind_name(kind: str) -> str:
    return {
        "text": "text",
        "integer": "a whole number",
        "float": "a number",
        "boolean": "true or false",
        "datetime": "a date and time (YYYY-MM-DD HH:MM:SS)",
    }[kind]


def records(document: Located, section: rows.Section) -> list[tuple[int, dict[str, Any]]]:
    """The section's records as (line, column values), each checked against its columns."""
    raw = document.get(section.name, [] if section.name in OPTIONAL else None)
    line = document.lines.get(section.name)
    if section is rows.IPSEC_CONFIG and section.name not in document:
        return [(0, dict(IPSEC_CONFIG_DEFAULTS))]
    if section in rows.SINGLE:
        raw = [raw]
    if not isinstance(raw, list):
        raise bad(line, f'"{section.name}" must be a list of records')
    kinds = rows.column_kinds(section)
    out: list[tuple[int, dict[str, Any]]] = []
    for index, record in enumerate(raw):
        where = section.name if section in rows.SINGLE else f"{section.name}[{index}]"
        if not isinstance(record, Located):
            raise bad(line, f"{where} must be a mapping of its fields")
        for name in record:
            if name not in kinds:
                raise bad(record.lines[name], f'{where}: unknown field "{name}"')
        values: dict[str, Any] = {}
        for name, kind in kinds.items():
            if name in record:
                values[name] = _value(record, name, kind, where)
            elif not kind.optional:
                raise bad(record.line, f'{where}: "{name}" is missing')
        out.append((record.line, values))
    return out
