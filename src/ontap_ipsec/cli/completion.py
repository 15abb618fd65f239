"""Shell completion: `ontap-ipsec completion bash` prints a script that asks the
program itself (`ontap-ipsec __complete <words>`) for the next word's candidates."""

from __future__ import annotations

from collections.abc import Sequence

from ontap_ipsec.cli.args import Tree, resolve
from ontap_ipsec.cli.errors import CliError
from ontap_ipsec.cli.options import GLOBAL_FLAGS, GLOBAL_VALUES, OUTPUTS
from ontap_ipsec.cli.spec import Command

ADMIN_WORDS = ("serve", "passwd", "completion")

BASH = """\
# bash completion for ontap-ipsec; load with: eval "$(ontap-ipsec completion bash)"
_ontap_ipsec_complete() {
    local IFS=$'\\n'
    local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    COMPREPLY=($("${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null))
}
complete -o default -o nospace -F _ontap_ipsec_complete ontap-ipsec
"""


def script(shell: str) -> str:
    if shell != "bash":
        raise CliError(f'no completion for "{shell}": only bash is supported', status=2)
    return BASH


def candidates(tree: Tree, words: Sequence[str]) -> list[str]:
    """Completions of the last word (possibly empty) given the words before it."""
    *before, partial = list(words) or [""]
    rest: list[str] = []
    i = 0
    while i < len(before):
        name = before[i][2:] if before[i].startswith("--") else ""
        if name in GLOBAL_VALUES:
            if i + 1 == len(before):
                return _filter(OUTPUTS if name == "output" else (), partial)
            i += 2
            continue
        if name in GLOBAL_FLAGS or before[i] == "-v":
            i += 1
            continue
        rest.append(before[i])
        i += 1
    if not rest and partial.startswith("--"):
        return _filter([f"--{g}" for g in (*GLOBAL_VALUES, *GLOBAL_FLAGS, "help")], partial)
    if rest and rest[0] in ADMIN_WORDS:
        return _filter(["bash"], partial) if rest == ["completion"] else []
    try:
        _, node, used = resolve(tree, rest)
    except CliError:
        return []
    if isinstance(node, dict):
        if used < len(rest):
            return []
        words_here = sorted(node) + (list(ADMIN_WORDS) if not rest else [])
        return _filter(words_here, partial)
    return _param_candidates(node, rest[used:], partial)


def _param_candidates(cmd: Command, given: Sequence[str], partial: str) -> list[str]:
    if given and given[-1].startswith("-"):
        param = cmd.param(given[-1].lstrip("-"))
        if param is not None and param.takes_value:
            if param.name == "fields":
                return _filter(cmd.show_fields, partial.rsplit(",", 1)[-1], partial)
            return _filter(param.choices, partial)
    used = {tok.lstrip("-") for tok in given if tok.startswith("-")}
    names = [f"-{p.name}" for p in cmd.params if p.name not in used]
    if partial.startswith("--"):
        names = ["-" + n for n in names]
    return _filter(names, partial)


def _filter(options: Sequence[str], partial: str, whole: str | None = None) -> list[str]:
    head = "" if whole is None else whole[: len(whole) - len(partial)]
    return [head + o + " " for o in options if o.startswith(partial)]
