"""The limits of a rules file, so that no file can exhaust the loader, the engine or the
machine, and what may be included. Each limit is far above any real scheme (the largest
shipped file has 15 KB, 23 components, tables nested 5 deep and one include) and is
reported as a located diagnostic, never a traceback (docs/rules.md, "Limits"); a formula's
own limits are the parser's (formula/parser.py).

Includes are paths relative to the including file, to a ``.toml`` file, that stay in the
folder of the top-level rules file (or below it): a scheme is a folder a shop copies and
versions as a whole, and a rules file received from someone else must not read
``/etc/passwd`` or ``~/.ssh``. The path is judged as written, before anything is opened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from csincentive.core.diagnostics import Diagnostic
from csincentive.rules.locate import SourceMap, dotted
from csincentive.rules.values import out_of_range

# The shipped rules files are 4-15 KB; 1 MB holds 1,000 components with their comments.
MAX_RULES_BYTES = 1_000_000
# Tables and arrays inside one another: the shipped files reach 5 (components.c.rows[1].value).
MAX_TOML_DEPTH = 32
# The largest shipped scheme has 23. The engine's time grows faster than the number of
# components (1,000 trivial ones take 20 s and 1 GB for 16 people; 5,000 ran for minutes
# past 8 GB), so 500 keeps a month to seconds while leaving 20 times the largest scheme.
MAX_COMPONENTS = 500
# Files read to check one rules file, counting a file each time it is included: a file
# that includes two files which each include the next two … doubles the work per level.
MAX_RULES_FILES = 50

_MB = f"{MAX_RULES_BYTES // 1_000_000} MB"
_LONG_INTEGER = re.compile(r"\d[\d_]{4299,}")  # Python refuses to read ints over 4,300 digits


def too_large(display: str) -> Diagnostic:
    message = f"the rules file is larger than {_MB}; split it into files that include others"
    return Diagnostic(display, message, "E107", 1, 1)


def too_many_files(display: str, line: int, col: int, where: str) -> Diagnostic:
    message = (
        f"checking this rules file reads more than {MAX_RULES_FILES} files (counting a file"
        " each time it is included); include each shared file once"
    )
    return Diagnostic(display, message, "E107", line, col, where)


def unreadable_toml(display: str, text: str, exc: Exception) -> Diagnostic:
    """What tomllib raises beyond TOMLDecodeError: RecursionError for arrays or tables
    nested thousands deep, ValueError for an integer of more than 4,300 digits."""
    if isinstance(exc, RecursionError):
        line, col = _line_col(text, _deepest(text))
        return Diagnostic(display, _too_deep(), "E107", line, col)
    found = _LONG_INTEGER.search(text)
    line, col = _line_col(text, found.start() if found else 0)
    digits = len(found.group()) if found else 4300
    message = (
        f"a number of {digits:,} digits is too large: a number may have at most 28 digits"
        " before the decimal point"
    )
    return Diagnostic(display, message, "E105", line, col)


def too_deep(display: str, source: SourceMap, data: dict[str, Any]) -> Diagnostic | None:
    """Tables and arrays nested past MAX_TOML_DEPTH (a key path longer than that), at the
    first place in the file that passes it; checked before the model walks the data."""
    deep = [path for path, _ in walk(data) if len(path) == MAX_TOML_DEPTH + 1]
    if not deep:
        return None
    line, col = min(source.position(path) for path in deep)
    return Diagnostic(display, _too_deep(), "E107", line, col)


def _too_deep() -> str:
    return f"tables and arrays are nested more than {MAX_TOML_DEPTH} deep"


def over_limits(display: str, source: SourceMap, data: dict[str, Any]) -> list[Diagnostic]:
    """Too many components, and every number the engine cannot hold (E105, naming its key):
    a whole number in a field of whole numbers never reaches parse_number."""
    found = _too_many_components(display, source, data)
    for path, value in walk(data):
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            problem = out_of_range(Decimal(value), value)
            if problem is not None:
                line, col = source.position(path)
                found.append(Diagnostic(display, problem, "E105", line, col, dotted(path)))
    return found


def too_many_components(display: str, count: int) -> Diagnostic:
    message = (
        f"{count:,} components with the included files and dated changes; a scheme may have"
        f" at most {MAX_COMPONENTS:,}"
    )
    return Diagnostic(display, message, "E107", 1, 1, "components")


def _too_many_components(display: str, source: SourceMap, data: dict[str, Any]) -> list[Diagnostic]:
    """This file's own components, with those its dated changes add."""
    ids = set(_table(data, "components"))
    for change in data.get("changes") or []:
        ids |= set(_table(change, "components"))
    if len(ids) <= MAX_COMPONENTS:
        return []
    line, col = source.position(("components",))
    message = f"{len(ids):,} components; a scheme may have at most {MAX_COMPONENTS:,}"
    return [Diagnostic(display, message, "E107", line, col, "components")]


def _table(data: object, key: str) -> dict[str, Any]:
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def walk(data: object) -> Iterator[tuple[tuple[str | int, ...], object]]:
    """Every value below `data` with its key path, without recursion (the data may be
    nested deeper than Python recurses)."""
    stack: list[tuple[tuple[str | int, ...], object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))


def _deepest(text: str) -> int:
    """Where brackets first open MAX_TOML_DEPTH deep, counted naively (brackets in strings
    too): only to point at the place once tomllib ran out of recursion on it (`x = [[…`
    is then where too_deep would point: x's key is one level, each bracket one more)."""
    depth = 0
    for i, c in enumerate(text):
        depth += (c in "[{") - (c in "]}")
        if depth >= MAX_TOML_DEPTH:
            return i
    return 0


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# ------------------------------------------------------------------------------ includes


def include_problem(name: str, within: PurePath) -> str | None:
    """Why `name`, listed in `include` by a file in folder `within` (relative to the folder
    of the top-level rules file), may not be read; None when it may. Judged on the text
    alone: nothing is opened or resolved."""
    if not name.strip() or "\0" in name:
        return f"{name!r} is not a file name; write the path of a .toml file"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).anchor:
        return (
            f"'{name}' is an absolute path; an include is a path relative to this file,"
            ' like "fines.toml" or "shared/fines.toml"'
        )
    if PurePath(os.path.normpath(within / name)).parts[:1] == ("..",):
        return (
            f"'{name}' leads out of the folder of the top-level rules file; an include must"
            " be in that folder or below it (copy the file there)"
        )
    if not name.lower().endswith(".toml"):
        return f"'{name}' is not a .toml file; only rules files can be included"
    return None


def folder_of_include(name: str, within: PurePath) -> PurePath:
    """The folder, relative to the top-level file's, of an include that passed the check."""
    return PurePath(os.path.normpath(within / name)).parent
