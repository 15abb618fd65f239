"""The declarative Resource: one declaration per endpoint family.

A :class:`Resource` lists its fields once (type, access, documentation) and
that list drives routing, body validation, filtering, projection, ordering,
rendering and the OpenAPI document, so none of them can drift from another.
Where a field is stored is the store's business: the resource names a view
(:mod:`ontap_ipsec.store.views`) that gives each stored field its column, an
object this package passes along and never looks into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ontap_ipsec import versions

if TYPE_CHECKING:
    from ontap_ipsec.rest.context import Context
    from ontap_ipsec.rest.http import Request, Response

FieldType = Literal["string", "integer", "boolean", "datetime", "array", "object"]
Access = Literal["get", "post", "patch"]

_MISSING: Any = object()
# What an integer field can hold: a signed 64-bit integer, as both databases store it.
INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Field:
    """One (possibly nested, dotted) field of a resource's records."""

    name: str
    type: FieldType = "string"
    access: frozenset[Access] = frozenset({"get"})
    default: bool = False  # returned without `fields=` and always with it (identity)
    enum: tuple[str, ...] | None = None
    description: str = ""
    constant: Any = _MISSING  # a value every record has (no column)
    required_on_post: bool = False
    example: Any = None
    format: str | None = None  # OpenAPI string format (uuid, date-time, ...)
    items: FieldType = "string"  # element type for arrays
    too_long: str | None = None  # the ONTAP code of a value over max_length (else 262185)
    # ONTAP's own (code, message) where it documents one instead of the generic answer: for
    # a value outside `enum` (else 262185) and for a read-only field in a body (else 262196)
    not_in_enum: tuple[str, str] | None = None
    read_only: tuple[str, str] | None = None
    schema: str = ""  # the resource's schema name, set by the Resource: the profile's key
    # Set by the resource's view (store/views.py), opaque here: the column holding
    # the field, for array fields the EXISTS builder over its elements, and the
    # stored text's size and nullability.
    column: Any = None
    exists: Any = None
    max_length: int | None = None
    nullable: bool = True

    @property
    def stored(self) -> bool:
        return self.column is not None

    def allows(self, access: str) -> bool:
        """Whether the field takes `access` in the release being served (src/ontap_ipsec/
        versions.py: a field or an access introduced later is unknown before)."""
        return access in self.access and versions.current().field_allows(
            self.schema, self.name, access
        )

    @property
    def known(self) -> bool:
        """Whether the release being served has the field at all."""
        return any(self.allows(a) for a in self.access)

    @property
    def gettable(self) -> bool:
        return self.allows("get")

    @property
    def postable(self) -> bool:
        return self.allows("post")

    @property
    def patchable(self) -> bool:
        return self.allows("patch")

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
class Action:
    """An extra route under the instance path (`/{uuid}/sign`): its handlers and the
    declarations of its body and answer, which validate the one and document both."""

    handlers: dict[str, Handler]
    body: Resource
    answer: Resource
    summary: str = ""
    path_key: str | None = None  # the path parameter's name in NetApp's OpenAPI ("ca.uuid")


@dataclass
class Resource:
    """An ONTAP endpoint family: its collection, instance path and fields."""

    name: str  # the OpenAPI schema name, e.g. "ipsec_ca_certificate"
    path: str  # collection path, e.g. "/api/security/ipsec/ca-certificates"
    key: str | None  # the field naming an instance ("uuid"), None for singletons
    fields: list[Field]
    view: Any = None  # where the records are stored (store/views.py); None: no storage
    links: list[Link] = field(default_factory=list)
    summary: str = ""
    tag: str = ""
    not_found_target: str = "uuid"
    # Handlers by (scope, method); scope is "collection" or "instance".
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    # Extra routes under the instance path, by name: {"sign": Action(...)}.
    actions: dict[str, Action] = field(default_factory=dict)
    # Documentation of handlers for the OpenAPI document.
    docs: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    self_links: bool = True  # whether records carry their own _links.self
    slow_writes: bool = False  # its changes may take long (keys, X.509): always in a thread
    # Its records come from outside the database (a daemon): read in a thread, since the
    # daemon may be slow to answer, and never cached, since they change without us.
    live: bool = False
    # A field is read against the database's clock (an account's `locked`, which a lockout's
    # end turns false with nothing committed): while lockouts end by themselves, its answers
    # are not kept by the cache.
    clocked: bool = False
    # An instance path of several segments ("{owner.uuid}/{name}"): the key field then
    # holds them joined by "/" (a hidden field of the view), and the router takes as
    # many segments.
    key_path: str | None = None

    def __post_init__(self) -> None:
        if self.view is not None:
            self.fields = self.view.bind(self.fields)
        self.fields = [replace(f, schema=self.name) for f in self.fields]
        self.table: Any = None if self.view is None else self.view.table
        self.by_name: dict[str, Field] = {f.name: f for f in self.fields}
        self.required_on_post = [f.name for f in self.fields if f.required_on_post]
        self.gettable_names = [f.name for f in self.fields if f.gettable]
        self.prefixes = _prefixes(self.gettable_names)
        self.all_prefixes = _prefixes([f.name for f in self.fields])

    @property
    def singleton(self) -> bool:
        return self.key is None

    @property
    def instance_path(self) -> str:
        if self.key_path is not None:
            return f"{self.path}/{self.key_path}"
        return f"{self.path}/{{{self.key}}}"

    @property
    def key_segments(self) -> int:
        return 1 if self.key_path is None else self.key_path.count("/") + 1

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

    def expand(self, name: str) -> list[str]:
        """Field names under `name`: itself if a leaf, its leaves if an object."""
        if name in self.by_name:
            return [name] if self.by_name[name].known else []  # not in an older release
        if name in self.prefixes:
            return [
                n
                for n in self.gettable_names
                if n.startswith(name + ".") and self.by_name[n].gettable
            ]
        return []


def _prefixes(names: list[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            out.add(".".join(parts[:i]))
    return out


def string(name: str, **kw: Any) -> Field:
    return Field(name, "string", **kw)


def uuid_field(name: str, **kw: Any) -> Field:
    return Field(name, "string", format="uuid", **kw)


def integer(name: str, **kw: Any) -> Field:
    return Field(name, "integer", **kw)


def boolean(name: str, **kw: Any) -> Field:
    return Field(name, "boolean", **kw)


def datetime_field(name: str, **kw: Any) -> Field:
    return Field(name, "datetime", format="date-time", **kw)


READ: frozenset[Access] = frozenset({"get"})
READ_POST: frozenset[Access] = frozenset({"get", "post"})
READ_POST_PATCH: frozenset[Access] = frozenset({"get", "post", "patch"})
POST_ONLY: frozenset[Access] = frozenset({"post"})
READ_PATCH: frozenset[Access] = frozenset({"get", "patch"})
