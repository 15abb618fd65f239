"""The declarative Resource: one declaration per endpoint family.

A :class:`Resource` lists its fields once (type, access, SQL expression) and
that list drives routing, body validation, filtering, projection, ordering,
rendering and the OpenAPI document, so none of them can drift from another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context
    from ontap_ipsec.rest.http import Request, Response

FieldType = Literal["string", "integer", "boolean", "datetime", "array"]
Access = Literal["get", "post", "patch"]

_MISSING: Any = object()


@dataclass(frozen=True)
class Field:
    """One (possibly nested, dotted) field of a resource's records."""

    name: str
    type: FieldType = "string"
    column: Any = None  # a SQLAlchemy column expression, or None for constants
    access: frozenset[Access] = frozenset({"get"})
    default: bool = False  # returned without `fields=` and always with it (identity)
    expensive: bool = False  # only with fields=** or by name
    enum: tuple[str, ...] | None = None
    description: str = ""
    constant: Any = _MISSING  # a value every record has (no column)
    required_on_post: bool = False
    example: Any = None
    format: str | None = None  # OpenAPI string format (uuid, date-time, ...)
    items: FieldType = "string"  # element type for arrays
    # For array fields: exists(cond) -> an EXISTS clause over the elements
    # matching cond(element_column); filters on the array compile through it.
    exists: Callable[[Callable[[Any], Any]], Any] | None = None

    @property
    def gettable(self) -> bool:
        return "get" in self.access

    @property
    def postable(self) -> bool:
        return "post" in self.access

    @property
    def patchable(self) -> bool:
        return "patch" in self.access

    @property
    def has_constant(self) -> bool:
        return self.constant is not _MISSING

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


@dataclass(frozen=True)
class Link:
    """A HAL self link for a nested reference (`svm` -> /api/svm/svms/<uuid>)."""

    prefix: str  # the object the link belongs to ("svm", "certificate")
    template: str  # "/api/svm/svms/{}"
    key: str  # the field whose value fills the template ("svm.uuid")


Handler = Callable[["Context", "Request"], "Response"]


@dataclass
class Resource:
    """An ONTAP endpoint family: its collection, instance path and fields."""

    name: str  # the OpenAPI schema name, e.g. "ipsec_ca_certificate"
    path: str  # collection path, e.g. "/api/security/ipsec/ca-certificates"
    key: str | None  # the field naming an instance ("uuid"), None for singletons
    fields: list[Field]
    table: Any = None  # the SQLAlchemy FROM clause records are read from
    links: list[Link] = field(default_factory=list)
    summary: str = ""
    tag: str = ""
    not_found_target: str = "uuid"
    # Handlers by (scope, method); scope is "collection" or "instance".
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    # Extra routes under the instance path: {"sign": {"POST": handler}}.
    actions: dict[str, dict[str, Handler]] = field(default_factory=dict)
    # Documentation of handlers for the OpenAPI document.
    docs: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    base_where: Any = None  # a condition every read of this resource applies
    self_links: bool = True  # whether records carry their own _links.self

    def __post_init__(self) -> None:
        self.by_name: dict[str, Field] = {f.name: f for f in self.fields}
        self.gettable_names = [f.name for f in self.fields if f.gettable]
        self.prefixes = _prefixes(self.gettable_names)
        self.all_prefixes = _prefixes([f.name for f in self.fields])

    @property
    def singleton(self) -> bool:
        return self.key is None

    @property
    def instance_path(self) -> str:
        return f"{self.path}/{{{self.key}}}"

    def instance_href(self, key_value: str) -> str:
        return f"{self.path}/{key_value}"

    def key_field(self) -> Field:
        assert self.key is not None
        return self.by_name[self.key]

    def on(self, scope: str, method: str, **doc: Any) -> Callable[[Handler], Handler]:
        """Register a handler: ``@resource.on("collection", "POST")``."""

        def register(fn: Handler) -> Handler:
            self.handlers[(scope, method)] = fn
            if doc:
                self.docs[(scope, method)] = doc
            return fn

        return register

    def methods(self, scope: str) -> list[str]:
        found = [m for (s, m) in self.handlers if s == scope]
        order = ["GET", "POST", "PATCH", "DELETE"]
        return [m for m in order if m in found]

    def expand(self, name: str) -> list[str]:
        """Field names under `name`: itself if a leaf, its leaves if an object."""
        if name in self.by_name:
            return [name]
        if name in self.prefixes:
            return [n for n in self.gettable_names if n.startswith(name + ".")]
        return []


def _prefixes(names: list[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            out.add(".".join(parts[:i]))
    return out


def string(name: str, column: Any = None, **kw: Any) -> Field:
    return Field(name, "string", column, **kw)


def uuid_field(name: str, column: Any = None, **kw: Any) -> Field:
    return Field(name, "string", column, format="uuid", **kw)


def integer(name: str, column: Any = None, **kw: Any) -> Field:
    return Field(name, "integer", column, **kw)


def boolean(name: str, column: Any = None, **kw: Any) -> Field:
    return Field(name, "boolean", column, **kw)


def datetime_field(name: str, column: Any = None, **kw: Any) -> Field:
    return Field(name, "datetime", column, format="date-time", **kw)


READ: frozenset[Access] = frozenset({"get"})
READ_POST: frozenset[Access] = frozenset({"get", "post"})
READ_POST_PATCH: frozenset[Access] = frozenset({"get", "post", "patch"})
POST_ONLY: frozenset[Access] = frozenset({"post"})
