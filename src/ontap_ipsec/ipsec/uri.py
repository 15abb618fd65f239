"""A daemon's VICI URI, read without importing `vici` (configuration is checked at start)."""

from __future__ import annotations

from urllib.parse import urlsplit


def parse_vici_uri(uri: str) -> str:
    """The socket path of a `unix:///absolute/path` URI; ValueError naming the URI otherwise."""
    parts = urlsplit(uri)
    problem = None
    if parts.scheme != "unix":
        problem = "the scheme must be unix://"
    elif parts.netloc:
        problem = "the path must be absolute (unix:///path, three slashes)"
    elif not parts.path.startswith("/") or parts.path.endswith("/"):
        problem = "the path must be an absolute file path"
    elif parts.query or parts.fragment:
        problem = "no query or fragment is allowed"
    elif "\0" in parts.path:
        problem = "the path contains a NUL byte"
    if problem:
        raise ValueError(f"malformed VICI URI {uri!r}: {problem}")
    return parts.path
