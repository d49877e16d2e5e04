"""Errors are values: a Diagnostic names where (file, line, column), what (a code and the
dotted path of the offending field) and what to do. Loaders and validators collect every
diagnostic they find and raise one InputError carrying all of them, so the user fixes the
whole file in one pass instead of one error per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input or rules file.

    Rendered as ``file:line:col: CODE path: message`` (beancount style) so an editor can
    jump to it. ``line`` is 1-based; ``col`` is 1-based or None when only the line is known.
    For CSV inputs the line is the physical line in the file (the header is line 1).
    """

    file: str
    message: str
    code: str = "E000"
    line: int | None = None
    col: int | None = None
    path: str = ""
    severity: Severity = "error"

    def render(self) -> str:
        location = self.file
        if self.line is not None:
            location += f":{self.line}"
            if self.col is not None:
                location += f":{self.col}"
        subject = f"{self.code} {self.path}: " if self.path else f"{self.code} "
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{location}: {prefix}{subject}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class InputError(Exception):
    """Bad input or rules: carries every diagnostic found, never a traceback for the user."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    @classmethod
    def single(cls, file: str | Path, message: str, **where: object) -> InputError:
        return cls([Diagnostic(file=str(file), message=message, **where)])  # type: ignore[arg-type]


def errors_only(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]
