"""The one error the ONTAP-style commands raise: printed as ONTAP prints it."""

from __future__ import annotations


class CliError(Exception):
    """`Error: <message>`; the REST code is shown with -v. Exit status 1 (2 for usage)."""

    def __init__(self, message: str, code: str | None = None, *, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def render(self, verbose: bool) -> str:
        text = f"Error: {self.message}"
        if verbose and self.code:
            text += f" (code {self.code})"
        return text


def usage(message: str) -> CliError:
    return CliError(message, status=2)
