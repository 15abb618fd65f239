"""What the fuzz tests feed the request decoders: query strings and JSON bodies.

Hypothesis builds each example from a resource's declaration (its field names, ONTAP's
operators, the control parameters, values of the right type and of every wrong one), and
a seeded byte mutator then varies every built input a few times over (tokens inserted,
slices cut or doubled, bytes replaced), so that one example runs many inputs cheaply while
the structure that reaches deep into the parsers still comes from the strategies.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

from ontap_ipsec.rest.resource import Field, Resource

HUGE = [
    str(2**63 - 1),
    str(2**63),
    str(-(2**63)),
    str(-(2**63) - 1),
    str(2**64),
    "9" * 40,
    "1" * 5000,  # past Python's 4300-digit limit for int()
    "-0",
    "00012",
    "1e9",
    "1.5",
    "0x10",
    " 7 ",
]
TEXT = [
    "",
    "null",
    "!null",
    "*",
    "**",
    "..",
    "a..b",
    "1..",
    "..1",
    "a..b..c",
    '"',
    '""',
    '"a|b"',
    '!"x"',
    "true",
    "false",
    "TRUE",
    "cluster",
    "svm",
    "vs1",
    "vs2",
    "root_ca",
    "server",
    "client_ca",
    "esp_transport",
    "psk",
    "asc",
    "desc",
    "2026-12-02T13:00:00+00:00",
    "2026-12-02T13:00:00 02:00",
    "2026-12-02T13:00:00Z",
    "2026-12-02",
    "2026-13-45T99:99:99",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00-23:59",
    "P1Y",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "\ud83d\ude00",
    "é",
    "\u202e",
    "\ufeff",
    "%",
    "%%",
    "%zz",
    "%00",
    "%ED%A0%80",
    "%C3",
    "%FF",
    "+",
    "&",
    "=",
    "\\",
    "\\%",
    "_",
    "%_",
    "'; drop table svms; --",
    "192.168.0.0",
    "::/0",
    "0-0",
    "x" * 300,
]
OPERATORS = ["", "", "!", "<", ">", "<=", ">=", "*", "!*", "<<", "=", ">=!"]
CONTROL = [
    "fields",
    "order_by",
    "max_records",
    "return_records",
    "return_timeout",
    "ignore_unknown_fields",
    "continue_on_failure",
    "serial_records",
    "start.uuid",
    "start.name",
    "start.",
    "fields.",
]
# Tokens the mutator inserts: the query language's and JSON's punctuation.
QUERY_TOKENS = [
    b"&",
    b"=",
    b"|",
    b"..",
    b"*",
    b"!",
    b"<",
    b">=",
    b'"',
    b",",
    b".",
    b"%",
    b"%00",
    b"%ED%A0%80",
    b"%C3%A9",
    b"+",
    b" ",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"null",
    b"fields=",
    b"order_by=",
    b"max_records=",
    b"start.",
    b"99999999999999999999",
]
JSON_TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b'"',
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\u0000",
    b"null",
    b"true",
    b"1e999",
    b"-",
    b"NaN",
    b"Infinity",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b'"svm"',
    b'"name"',
    b'{"a":1,"a":2}',
    b"[" * 50,
    b"9" * 400,
]


def atoms() -> st.SearchStrategy[str]:
    """One value of a filter or a parameter: a known hard case, a number, or any text."""
    return st.one_of(
        st.sampled_from(TEXT),
        st.sampled_from(HUGE),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(max_size=16),
        st.text(st.characters(codec="ascii"), max_size=8),
        st.builds(chr, st.integers(min_value=0xD800, max_value=0xDFFF)),
    )


def alternatives() -> st.SearchStrategy[str]:
    """An operator and a value, a range or a wildcard, possibly quoted."""
    return st.one_of(
        st.builds(lambda op, value: op + value, st.sampled_from(OPERATORS), atoms()),
        st.builds(lambda low, high: f"{low}..{high}", atoms(), atoms()),
        st.builds(lambda value: f"*{value}*", atoms()),
        st.builds(lambda value: f'"{value}"', atoms()),
    )


def _field_list(names: Sequence[str]) -> st.SearchStrategy[str]:
    item = st.one_of(
        st.sampled_from(list(names)),
        st.sampled_from(["*", "**", "_links", "", " ", "uuid asc", "name desc", "nope"]),
        atoms(),
    )
    return st.lists(item, max_size=5).map(",".join)


@dataclass(frozen=True)
class Encoded:
    """A parameter's key and value as text, and how the client encoded them."""

    key: str
    value: str
    encoding: str

    def wire(self) -> bytes:
        return encode(self.key, self.encoding) + b"=" + encode(self.value, self.encoding)


def encode(text: str, how: str) -> bytes:
    """`text` as a client could put it in a query string."""
    if how == "quote":
        return quote(text, safe="", errors="surrogatepass").encode("ascii")
    if how == "plus":
        return quote_plus(text, safe="*|<>!,.", errors="surrogatepass").encode("ascii")
    if how == "latin1":
        return text.encode("latin-1", "replace")
    return text.encode("utf-8", "surrogatepass")  # raw: unencoded, as some clients send


def parameters(resource: Resource) -> st.SearchStrategy[Encoded]:
    names = [f.name for f in resource.fields] or ["uuid"]
    key = st.one_of(
        st.sampled_from(names),
        st.sampled_from(CONTROL),
        st.sampled_from(names).map(lambda n: "start." + n),
        st.text(max_size=10),
    )

    @st.composite
    def build(draw: st.DrawFn) -> Encoded:
        name = draw(key)
        if name in ("fields", "order_by"):
            value = draw(_field_list(names))
        elif name in CONTROL or name.startswith("start."):
            value = draw(st.one_of(atoms(), st.sampled_from(HUGE)))
        else:
            value = "|".join(draw(st.lists(alternatives(), min_size=1, max_size=4)))
        how = draw(st.sampled_from(["raw", "quote", "quote", "plus", "latin1"]))
        return Encoded(name, value, how)

    return build()


def query_strings(resource: Resource) -> st.SearchStrategy[bytes]:
    """A whole query string as the ASGI scope holds it (bytes, possibly not ASCII)."""
    return st.one_of(
        st.lists(parameters(resource), max_size=6).map(lambda ps: b"&".join(p.wire() for p in ps)),
        st.binary(max_size=48),
    )


# -- bodies ---------------------------------------------------------------------------


class Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, so that a key may appear twice."""


def dump(value: Any, *, ascii_only: bool = True) -> str:
    """JSON text of `value`; a Pairs is an object with its keys as listed, a Raw verbatim."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        inner = ",".join(
            f"{json.dumps(k, ensure_ascii=ascii_only)}:{dump(v, ascii_only=ascii_only)}"
            for k, v in value
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v, ascii_only=ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


@dataclass(frozen=True)
class Raw:
    """JSON text put into a body as it is (numbers JSON allows but Python would not write)."""

    text: str


RAW_VALUES = [
    Raw("1" * 5000),
    Raw("1e400"),
    Raw("-1e400"),
    Raw("1.0"),
    Raw("-0"),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("9223372036854775808"),
    Raw("-9223372036854775809"),
    Raw('"\\ud800"'),
    Raw('"\\udc00x"'),
    Raw('"\\ud83d\\ude00"'),
    Raw('"\\u0000"'),
    Raw("[" * 3000 + "]" * 3000),
    Raw('{"a":' * 600 + "1" + "}" * 600),
]


def _value_for(fld: Field) -> st.SearchStrategy[Any]:
    """Values of the field's own type, near its limits, and of every other JSON type."""
    right: st.SearchStrategy[Any]
    if fld.type == "integer":
        right = st.one_of(st.integers(), st.sampled_from(HUGE))
    elif fld.type == "boolean":
        right = st.sampled_from([True, False, "true", "FALSE", "yes", 1, 0])
    elif fld.type == "array":
        right = st.lists(atoms(), max_size=4)
    elif fld.enum:
        right = st.one_of(st.sampled_from(list(fld.enum)), atoms())
    else:
        length = fld.max_length or 64
        right = st.one_of(
            atoms(), st.just("a" * length), st.just("a" * (length + 1)), st.text(max_size=40)
        )
    wrong = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.lists(st.integers(), max_size=3),
        st.builds(lambda v: Pairs([("x", v)]), atoms()),
        st.sampled_from(RAW_VALUES),
    )
    return st.one_of(right, right, wrong)


def _nest(name: str, value: Any, dotted: bool) -> tuple[str, Any]:
    """`svm.name` as that key, or as {"svm": {"name": value}}."""
    if dotted or "." not in name:
        return name, value
    head, _, rest = name.partition(".")
    key, inner = _nest(rest, value, dotted)
    return head, Pairs([(key, inner)])


def bodies(resource: Resource) -> st.SearchStrategy[Any]:
    """A JSON value for the body of `resource`: mostly objects of its fields."""
    fields = resource.fields

    @st.composite
    def member(draw: st.DrawFn) -> tuple[str, Any]:
        if fields and draw(st.integers(0, 9)) < 8:
            fld = draw(st.sampled_from(fields))
            return _nest(fld.name, draw(_value_for(fld)), draw(st.booleans()))
        prefixes = sorted(resource.all_prefixes) or ["x"]
        return draw(st.one_of(st.sampled_from(prefixes), st.text(max_size=8))), draw(
            st.one_of(atoms(), st.integers(), st.none(), st.sampled_from(RAW_VALUES))
        )

    objects = st.lists(member(), max_size=7).map(Pairs)
    return st.one_of(
        objects,
        objects,
        objects,
        st.lists(member(), min_size=1, max_size=3).map(lambda ms: Pairs(ms + ms)),  # twice
        st.sampled_from([None, [], "text", 1, True, Raw("{"), Raw(""), Raw("{}"), Raw(" ")]),
        st.sampled_from(RAW_VALUES),
    )


def body_bytes(resource: Resource) -> st.SearchStrategy[bytes]:
    """A body's bytes: JSON text (ASCII or UTF-8, lone surrogates as escapes or as bytes
    UTF-8 refuses), or any bytes at all."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        value = draw(bodies(resource))
        ascii_only = draw(st.booleans())
        return dump(value, ascii_only=ascii_only).encode("utf-8", "surrogatepass")

    return st.one_of(build(), build(), build(), st.binary(max_size=64))


# -- the mutator ----------------------------------------------------------------------


def mutations(data: bytes, rng: random.Random, count: int, tokens: Sequence[bytes]) -> list[bytes]:
    """`count` variants of `data`, each changed in one to three places."""
    out = []
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            kind = rng.randrange(5)
            at = rng.randint(0, len(buf))
            if kind == 0 or not buf:
                buf[at:at] = rng.choice(tokens)
            elif kind == 1:
                end = min(len(buf), at + rng.randint(1, 8))
                del buf[at:end]
            elif kind == 2:
                end = min(len(buf), at + rng.randint(1, 16))
                buf[at:at] = buf[at:end]
            elif kind == 3 and at < len(buf):
                buf[at] = rng.randrange(256)
            else:
                buf = buf[:at]
        out.append(bytes(buf))
    return out
