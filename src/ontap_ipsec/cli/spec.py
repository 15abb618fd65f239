"""How an ONTAP-style command is declared: its words, its parameters, its handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ontap_ipsec.cli.connection import Session

TEXT = "text"
LIST = "list"
FLAG = "flag"
INTEGER = "integer"


@dataclass(frozen=True)
class Param:
    """One `-name value` parameter, labelled as ONTAP's manual pages label it."""

    name: str
    label: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    metavar: str = "text"
    help: str = ""
    positional: bool = False  # may be given without its -name, in declaration order

    @property
    def takes_value(self) -> bool:
        return self.kind != FLAG

    def synopsis(self) -> str:
        value = "" if not self.takes_value else f" <{self.metavar}>"
        if self.kind == LIST:
            value += ",..."
        text = f"-{self.name}{value}"
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    summary: str
    run: Callable[[Session, dict[str, Any]], int]
    params: tuple[Param, ...] = ()
    description: str = ""
    show_fields: tuple[str, ...] = field(default=())  # for `-fields ?` and completion

    @property
    def words(self) -> str:
        return " ".join(self.path)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# Every `show` command has -fields (built per command by commands.common) and -instance.
INSTANCE = Param("instance", "Instance", kind=FLAG, help="show every field of each entry")
