"""ONTAP-style command lines: `security ipsec ca-certificate add -vserver vs1 -ca-certs a,b`.

Command words and parameter names may be abbreviated to any unique prefix, as in
ONTAP's clustershell; parameters take one dash (ONTAP) or two (`--vserver`), and
`--name=value` also works. Connection options (`--host`, ...) may stand anywhere: cli.options
takes them out first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ontap_ipsec.cli.errors import CliError, usage
from ontap_ipsec.cli.spec import FLAG, INTEGER, LIST, Command, Param

HELP_TOKENS = frozenset({"-h", "-help", "--help", "?"})


class HelpRequested(Exception):
    """`--help` (or `?`) was given; the caller prints help for what was resolved so far."""


Tree = dict[str, Any]  # word -> Tree | Command


def build_tree(commands: Iterable[Command]) -> Tree:
    tree: Tree = {}
    for cmd in commands:
        node = tree
        for word in cmd.path[:-1]:
            node = node.setdefault(word, {})
        node[cmd.path[-1]] = cmd
    return tree


def match(word: str, names: Iterable[str], what: str, dash: str = "") -> str:
    """The name `word` stands for: itself, or the one name it is a prefix of."""
    names = list(names)
    if word in names:
        return word
    found = [n for n in names if n.startswith(word)]
    if len(found) == 1:
        return found[0]
    if not found:
        if dash:
            raise usage(f'invalid {what} "{dash}{word}"')
        raise usage(f'"{word}" is not a recognized {what}')
    shown = ", ".join(dash + n for n in sorted(found))
    raise usage(f'Ambiguous {what} "{dash}{word}". Possible matches: {shown}')


def resolve(tree: Tree, tokens: Sequence[str]) -> tuple[tuple[str, ...], Tree | Command, int]:
    """Walk the command words: (full words, the node reached, tokens consumed)."""
    node: Tree | Command = tree
    path: list[str] = []
    i = 0
    while isinstance(node, dict) and i < len(tokens) and not tokens[i].startswith("-"):
        if tokens[i] == "?":
            break
        word = match(tokens[i], node, "command")
        path.append(word)
        node = node[word]
        i += 1
    return tuple(path), node, i


def match_param(cmd: Command, raw: str) -> Param:
    name = match(raw.lstrip("-"), (p.name for p in cmd.params), "argument", dash="-")
    found = cmd.param(name)
    assert found is not None
    return found


def parse_params(cmd: Command, tokens: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    positional = [p for p in cmd.params if p.positional]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in HELP_TOKENS:
            raise HelpRequested
        if tok.startswith("-") and len(tok) > 1 and not _numeric(tok):
            name, eq, inline = tok.lstrip("-").partition("=")
            param = match_param(cmd, name)
            if param.name in values:
                raise usage(f'Parameter "-{param.name}" is specified more than once.')
            if param.kind == FLAG:
                values[param.name] = _boolean(param, inline) if eq else True
            else:
                if eq:
                    raw = inline
                elif i + 1 < len(tokens):
                    i += 1
                    raw = tokens[i]
                else:
                    raise usage(f'Missing value for "-{param.name}".')
                values[param.name] = convert(param, raw)
        else:
            slot = next((p for p in positional if p.name not in values), None)
            if slot is None:
                raise usage(f'invalid argument "{tok}"')
            values[slot.name] = convert(slot, tok)
        i += 1
    if "fields" in values and "instance" in values:
        raise usage('"-fields" and "-instance" cannot be used together.')
    if values.get("fields") == ["?"]:
        return values
    for param in cmd.params:
        if param.required and param.name not in values:
            raise usage(f'Missing required parameter "-{param.name}".')
    return values


def _numeric(tok: str) -> bool:
    return tok[1:].isdigit()


def _boolean(param: Param, raw: str) -> bool:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise usage(f'"{raw}" is an invalid value for field "-{param.name} {{true|false}}"')


def convert(param: Param, raw: str) -> Any:
    invalid = f'"{raw}" is an invalid value for field "-{param.name} <{param.metavar}>"'
    if param.kind == LIST:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if not items:
            raise usage(invalid)
        return items
    if param.kind == INTEGER:
        if not raw.isdigit():
            raise usage(invalid)
        return int(raw)
    if param.choices:
        try:
            return match(raw, param.choices, "value")
        except CliError:
            raise usage(f"{invalid}. Valid values: {', '.join(param.choices)}") from None
    if raw == "":
        raise usage(invalid)
    return raw
