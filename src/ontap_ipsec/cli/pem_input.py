"""Reading certificates and keys: from files, or pasted as ONTAP asks for them."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ontap_ipsec.cli.errors import CliError

BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)


@dataclass
class Material:
    certificate: str | None = None
    private_key: str | None = None
    intermediates: list[str] = field(default_factory=list)

    def take(self, text: str) -> None:
        """Sort PEM blocks: the first certificate, then intermediates; any private key."""
        for found in BLOCK.finditer(text):
            kind, block = found.group(1), found.group(0) + "\n"
            if kind == "CERTIFICATE":
                if self.certificate is None:
                    self.certificate = block
                else:
                    self.intermediates.append(block)
            elif kind.endswith("PRIVATE KEY"):
                if self.private_key is not None:
                    raise CliError("more than one private key was given")
                self.private_key = block


def read_file(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None


def read_pasted(stream: TextIO, prompt: str, out: TextIO) -> str:
    """Lines until a blank line that follows an END line (or the end of input)."""
    print(f"\n{prompt}: Press <Enter> when done", file=out, flush=True)
    lines: list[str] = []
    ended = False
    while line := stream.readline():
        if not line.strip():
            if ended:
                break
            continue
        lines.append(line.rstrip("\n"))
        ended = line.startswith("-----END ")
    return "\n".join(lines) + "\n"


def interactive(material: Material, want_key: bool, stream: TextIO | None = None) -> None:
    """ONTAP's dialogue: certificate, then key (server/client), then intermediates."""
    stream = stream or sys.stdin
    out = sys.stderr
    material.take(read_pasted(stream, "Please enter Certificate", out))
    if want_key and material.private_key is None:
        material.take(read_pasted(stream, "Please enter Private Key", out))
    if not want_key:
        return
    while True:
        print(
            "\nDo you want to continue entering root and/or intermediate certificates {y|n}: ",
            end="",
            file=out,
            flush=True,
        )
        answer = stream.readline().strip().lower()
        if answer not in ("y", "yes"):
            return
        material.take(read_pasted(stream, "Please enter Intermediate Certificate", out))
