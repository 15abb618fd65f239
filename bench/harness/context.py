"""The run's settings and results (Ctx), and its progress log on stderr."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Ctx:
    quick: bool
    work: Path
    wrk: str
    duration: float
    warmup: float
    conns: int
    logs: Path
    rounds: int = 1
    workers: int = 1  # ours's default worker count; every floor runs the same
    results: dict[str, Any] = field(default_factory=dict)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mode(tls: bool) -> str:
    """The key of a TLS setting in the results: 'tls' or 'plain'."""
    return "tls" if tls else "plain"
