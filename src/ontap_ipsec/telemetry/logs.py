"""The server's log lines: text as ever, or JSON (`--log-format json`), and no secret.

JSON is one object per line: `time` (UTC, ISO 8601, milliseconds), `level`, `logger`,
`message`, `pid`, and for an access line (`--access-log`) `request_id`, `account`,
`method`, `path`, `status`, `duration_ms`; an exception's traceback is `exception`. The
HTTP server's own lines (granian's, uvicorn's) get the same form.

Whatever the format, every line is scrubbed before it is written: a PEM private key, an
HTTP Basic or Bearer credential, and the value of a field named like a password, a
passphrase, a secret, a private or shared key, a PSK or PPK are replaced by `[redacted]`. No code of
ours logs any of them; this is what keeps an exception's text or a library's debug line
from doing so. Access lines carry the path only, never the query string nor any header.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

import orjson

from ontap_ipsec.config import Settings

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
ACCESS_FIELDS = ("request_id", "account", "method", "path", "status", "duration_ms")
REDACTED = "[redacted]"
ACCESS_LOGGER = "ontap_ipsec.access"

_PEM_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.DOTALL
)
_CREDENTIAL = re.compile(r"\b(Basic|Bearer|Digest)\s+[A-Za-z0-9+/=._~-]{4,}")  # as sent
_AUTH_HEADER = re.compile(r"(authorization['\"]?\s*[:=,]\s*['\"]?)[^'\"\r\n]+", re.IGNORECASE)
_SECRET_FIELD = re.compile(
    r"""(["']?[\w.]*(?:password|passwd|passphrase|secret|private_key|shared_key|psk|ppk)[\w.]*["']?"""
    r"""\s*[:=]\s*)(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^\s,;&}'"]+)""",
    re.IGNORECASE,
)
# Each pattern above needs one of these in the line: most lines are let through at once.
_HINTS = (
    "PRIVATE KEY", "rivate", "RIVATE", "Basic", "Bearer", "Digest", "uthorization",
    "UTHORIZATION", "ass", "PASS", "ecret", "ECRET", "hared_key", "HARED_KEY", "psk", "PSK",
    "ppk", "PPK",
)


def scrub(text: str) -> str:
    """`text` without private keys, credentials or secret fields' values."""
    if not any(hint in text for hint in _HINTS):
        return text  # the common line: nothing to look for
    text = _PEM_KEY.sub(REDACTED, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _SECRET_FIELD.sub(lambda m: m.group(1) + f'"{REDACTED}"', text)


class TextFormatter(logging.Formatter):
    """Today's text lines (`LEVEL logger: message`), scrubbed."""

    def __init__(self, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, scrubbed."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        seconds = int(record.created)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        line: dict[str, Any] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": _logger_name(record.name),
            "message": scrub(record.getMessage()),
            "pid": record.process,
        }
        for name in ACCESS_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = scrub(record.exc_text)
        return orjson.dumps(line, default=str).decode()


def _logger_name(name: str) -> str:
    return name[1:] if name.startswith("_granian") else name  # granian's Rust side's names


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(settings: Settings) -> None:
    """This process's logging: the root logger's one handler, on stderr, in the format of
    `settings` at its level (called by `serve`, each worker and the strongSwan agent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ontap_ipsec", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._ontap_ipsec = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(settings.log_format))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


def announce(message: str) -> None:
    """`message` as an info line of the log, whatever the level (the start banner)."""
    record = logging.LogRecord("ontap_ipsec", logging.INFO, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        handler.handle(record)


def server_config(settings: Settings) -> dict[str, Any] | None:
    """The dictConfig for the HTTP server's own loggers: None (theirs, as ever) for text,
    ours for JSON."""
    if settings.log_format != "json":
        return None
    level = settings.log_level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    loggers = ("_granian", "granian.access", "uvicorn", "uvicorn.error", "uvicorn.access")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": {
            name: {"handlers": ["json"], "level": level, "propagate": False} for name in loggers
        },
    }
