"""Read a rules file: TOML → pydantic models → meaning checks, every problem located.

``check_rules`` never raises for a bad file: it returns the rule set (when the shape is
valid) and every diagnostic, so ``validate`` can show them all at once. ``load_rules`` is
the strict form the pipeline uses: any error raises one InputError with all of them.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel, ValidationError

from csincentive.core.diagnostics import Diagnostic, InputError, errors_only
from csincentive.core.money import D
from csincentive.rules.checks import check_meaning
from csincentive.rules.kinds import BY_NAME, KIND_NAMES
from csincentive.rules.kinds.base import ComponentBase
from csincentive.rules.limits import (
    MAX_COMPONENTS,
    MAX_RULES_BYTES,
    MAX_RULES_FILES,
    folder_of_include,
    include_problem,
    over_limits,
    too_deep,
    too_large,
    too_many_components,
    too_many_files,
    unreadable_toml,
)
from csincentive.rules.locate import SourceMap, dotted
from csincentive.rules.model import RuleSet
from csincentive.rules.paychecks import locate_checks
from csincentive.rules.values import OUT_OF_RANGE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Loc = tuple[str | int, ...]


def load_rules(path: str | Path) -> tuple[RuleSet, list[Diagnostic]]:
    """The rule set and its warnings; raises InputError if there is any error."""
    rules, diagnostics = check_rules(path)
    if rules is None or errors_only(diagnostics):
        raise InputError(errors_only(diagnostics))
    return rules, diagnostics


@dataclass(frozen=True)
class _File:
    """A rules file to check: its path; the files that include it, to catch a cycle; the
    path explanations give for where its components are written (the top-level file's as
    given, then each include's relative to it); its folder relative to the top-level
    file's, which includes may not leave."""

    path: Path
    trail: tuple[Path, ...] = ()
    shown: Path = Path()
    within: PurePath = PurePath(".")

    def included(self, name: str) -> _File:
        return _File(
            (self.path.parent / name).resolve(),
            (*self.trail, self.path.resolve()),
            Path(os.path.normpath(self.shown.parent / name)),
            folder_of_include(name, self.within),
        )


@dataclass
class _Walk:
    """What checking one top-level rules file shares across its includes."""

    files_read: int = 0


def check_rules(path: str | Path) -> tuple[RuleSet | None, list[Diagnostic]]:
    """The merged rule set of a rules file (with the files it includes) and every
    diagnostic found in any of them."""
    path = Path(path)
    rules, diagnostics = _check_file(_File(path, shown=path), _Walk())
    if rules is None:
        return None, diagnostics
    components = set(rules.components).union(*(c.components for c in rules.changes))
    if len(components) > MAX_COMPONENTS:  # each file was within the limit, not all of them
        diagnostics.append(too_many_components(str(path), len(components)))
        return None, diagnostics
    if rules.scheme is None:
        message = "required table [scheme] is missing; add it with id, name and valid_from"
        diagnostics.append(Diagnostic(str(path), message, "E102", 1, 1, "scheme"))
    if not rules.components:
        message = "no components; add at least one [components.<id>] table (or include a file)"
        diagnostics.append(Diagnostic(str(path), message, "E102", 1, 1, "components"))
    return rules, diagnostics


def _check_file(file: _File, walk: _Walk) -> tuple[RuleSet | None, list[Diagnostic]]:
    """One file: its own shape and limits, then the files it includes (each checked on its
    own), then the meaning of its own components against everything it can see."""
    display = str(file.path)
    walk.files_read += 1
    loaded = _read(file.path)
    if isinstance(loaded, Diagnostic):
        return None, [loaded]
    text, data = loaded
    source = SourceMap.from_text(text)
    deep = too_deep(display, source, data)
    if deep is not None:
        return None, [deep]
    limits = over_limits(display, source, data)
    try:
        own = RuleSet.model_validate(data)
    except ValidationError as exc:
        shape = _shape_diagnostics(display, source, exc.errors(), data)
        seen = {(d.code, d.path) for d in shape}
        return None, [d for d in limits if (d.code, d.path) not in seen] + shape
    if limits:
        return None, limits
    shown = str(file.shown)
    changes = [
        change.model_copy(update={"written": source.components_written(shown, ("changes", i))})
        for i, change in enumerate(own.changes)
    ]
    own = own.model_copy(update={"written": source.components_written(shown), "changes": changes})
    minimum = own.scheme.minimum_wage if own.scheme else None
    locate_checks(own.checks, minimum, source, str(file.shown))

    diagnostics: list[Diagnostic] = []
    base: RuleSet | None = None
    files = [file.path.resolve()]
    for i, name in enumerate(own.include):
        sub, found = _check_include(file, source, i, name, walk)
        diagnostics += found
        if sub is not None:
            base = sub if base is None else sub.merged_over(base)
            files += [f for f in sub.files if f not in files]
    merged = own if base is None else own.merged_over(base)
    merged = merged.model_copy(update={"files": tuple(files)})
    diagnostics += check_meaning(own, display, source, context=merged)
    diagnostics += _check_changes(own, merged, display, source)
    return merged, diagnostics


def _check_include(
    file: _File, source: SourceMap, i: int, name: str, walk: _Walk
) -> tuple[RuleSet | None, list[Diagnostic]]:
    """include[i] of `file`: refused at its line before anything is opened when it is not
    a relative path to a .toml file inside the top-level file's folder (E108), when it
    includes a file being checked already (a cycle, E106), or past MAX_RULES_FILES."""
    display, where = str(file.path), f"include[{i}]"
    line, col = source.position(("include", i))
    problem = include_problem(name, file.within)
    if problem is not None:
        return None, [Diagnostic(display, problem, "E108", line, col, where)]
    included = file.included(name)
    if included.path in included.trail:
        message = f"'{name}' includes this file again; remove one of the includes"
        return None, [Diagnostic(display, message, "E106", line, col, where)]
    if walk.files_read >= MAX_RULES_FILES:
        return None, [too_many_files(display, line, col, where)]
    return _check_file(included, walk)


def _check_changes(
    own: RuleSet, merged: RuleSet, display: str, source: SourceMap
) -> list[Diagnostic]:
    """Each dated change is checked as the version it creates: its own tables, against
    every name in force from its date on."""
    out: list[Diagnostic] = []
    seen: dict[object, int] = {}
    start = merged.scheme.valid_from if merged.scheme else None
    for i, change in enumerate(own.changes):
        loc = ("changes", i, "valid_from")
        line, col = source.position(loc)
        where = dotted(loc)
        if change.valid_from.day != 1:
            first = f"{change.valid_from:%Y-%m}-01"
            message = f"a change takes effect on the first day of a month; write {first}"
            out.append(Diagnostic(display, message, "E160", line, col, where))
        if change.valid_from in seen:
            message = f"changes[{seen[change.valid_from]}] has the same date; merge the two"
            out.append(Diagnostic(display, message, "E161", line, col, where))
        seen.setdefault(change.valid_from, i)
        if start is not None and change.valid_from <= start:
            message = (
                f"the change is not after the scheme's valid_from ({start});"
                " put it in the base rules"
            )
            out.append(Diagnostic(display, message, "E162", line, col, where))
        version = merged.in_force(change.valid_from.year, change.valid_from.month)
        tables = RuleSet.model_construct(
            params=change.params, events=change.events, components=change.components
        )
        out += check_meaning(tables, display, source, context=version, prefix=("changes", i))
    return out


def _read(path: Path) -> tuple[str, dict[str, Any]] | Diagnostic:
    display = str(path)
    try:
        with path.open("rb") as file:  # at most one byte past the limit, even of /dev/zero
            raw = file.read(MAX_RULES_BYTES + 1)
        if len(raw) > MAX_RULES_BYTES:
            return too_large(display)
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        return Diagnostic(display, "no such rules file", code="E001")
    except (OSError, UnicodeDecodeError) as exc:
        return Diagnostic(display, f"cannot read the rules file: {exc}", code="E001")
    try:
        data = tomllib.loads(text, parse_float=D)
    except tomllib.TOMLDecodeError as exc:
        return _syntax_diagnostic(display, exc, text)
    except (RecursionError, ValueError) as exc:  # nested thousands deep; a 5,000-digit int
        return unreadable_toml(display, text, exc)
    return text, data


# ------------------------------------------------------------------------- TOML syntax

_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_SYNTAX_HINTS = {
    "Illegal character '\\n'": "a string is not closed on this line; add the closing quote"
    ' (use """ … """ for text over several lines)',
    "Unterminated string": 'a string is never closed; add the closing quote (or """)',
    "Cannot overwrite a value": "a key or [table] is defined twice; keep only one",
    "Cannot declare": "a [table] is defined twice; merge the two into one",
    "Expected '=' after a key in a key/value pair": "write key = value",
    "Invalid value": 'a value must be a number, true/false, a date or text in quotes ("…")',
}


def _syntax_diagnostic(display: str, exc: Exception, text: str) -> Diagnostic:
    """tomllib (before 3.14) only puts the position in the message: "… (at line 3, column
    7)" or "… (at end of document)"."""
    raw = getattr(exc, "msg", None) or str(exc)
    line: int | None = getattr(exc, "lineno", None)
    col: int | None = getattr(exc, "colno", None)
    where = _WHERE.search(raw)
    if where:
        raw = raw[: where.start()]
        if where.group(1):
            line, col = int(where.group(1)), int(where.group(2))
        elif line is None:
            lines = text.rstrip("\n").split("\n")
            line, col = len(lines), len(lines[-1]) + 1
    hint = next((h for start, h in _SYNTAX_HINTS.items() if raw.startswith(start)), "")
    message = f"TOML syntax: {raw}" + (f"; {hint}" if hint else "")
    return Diagnostic(display, message, code="E100", line=line, col=col)


# ----------------------------------------------------------------------- pydantic shape


def _shape_diagnostics(
    display: str, source: SourceMap, errors: list[Any], data: dict[str, Any]
) -> list[Diagnostic]:
    """One diagnostic per offending place: the members of a union (a number or a formula)
    each fail on their own, so errors at the same place are merged into one."""
    by_loc: dict[Loc, list[Any]] = {}
    for err in errors:
        by_loc.setdefault(_real_loc(err["loc"], data), []).append(err)
    out = [_shape_diagnostic(display, source, loc, errs, data) for loc, errs in by_loc.items()]
    out = _drop_missing_explained_by_typo(out)
    return sorted(out, key=lambda d: (d.line or 0, d.col or 0, d.code))


def _shape_diagnostic(
    display: str, source: SourceMap, loc: Loc, errs: list[Any], data: dict[str, Any]
) -> Diagnostic:
    err = errs[0]
    kind = err["type"]
    line, col = source.position(loc)
    unfit = next((e for e in errs if e["type"] == OUT_OF_RANGE), None)
    if unfit is not None:  # also when the formula member of `number | formula` failed
        return Diagnostic(display, str(unfit["msg"]), "E105", line, col, dotted(loc))
    if kind == "extra_forbidden":
        return Diagnostic(display, _unknown_key(loc, data), "E101", line, col, dotted(loc))
    if kind == "missing":
        return Diagnostic(display, _missing_key(loc), "E102", line, col, dotted(loc))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        where = (*loc, "kind")
        line, col = source.position(where)
        return Diagnostic(display, _bad_kind(err), "E104", line, col, dotted(where))
    if len(errs) > 1:  # every member of `number | formula` failed
        message = _number_or_formula(err["input"])
    elif loc == ("components",):
        message = _missing_key(loc)
    else:
        message = _bad_value(err)
    return Diagnostic(display, message, "E103", line, col, dotted(loc))


def _real_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """The path as the user wrote it: drop pydantic's union-member tags (the component kind
    after ``components.<id>``, ``function-before[parse_number(), decimal]``,
    ``constrained-str``, …). Walks the data alongside, so a key that really exists is never
    mistaken for a tag."""
    out: list[str | int] = []
    node: Any = data
    for i, part in enumerate(loc):
        if i == 2 and loc[0] == "components" and part in KIND_NAMES:
            continue  # the discriminator tag: always there, whatever the data holds
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and (not isinstance(node, dict) or _is_tag(part)):
            continue
        else:
            node = None  # a missing key: keep it, nothing below it exists
        out.append(part)
    return tuple(out)


_SCHEMA_TAGS = frozenset(
    {"decimal", "str", "constrained-str", "int", "float", "bool", "date", "list", "dict"}
)


def _is_tag(part: str) -> bool:
    return part in _SCHEMA_TAGS or "[" in part


def _drop_missing_explained_by_typo(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """`lable = …` gives E101 (did you mean 'label'?) and E102 (label is missing): the
    first already says what to do, so the second is noise."""
    hinted = {
        (d.path.rpartition(".")[0], m.group(1))
        for d in diagnostics
        if d.code == "E101" and (m := re.search(r"did you mean '([^']+)'", d.message))
    }
    return [
        d
        for d in diagnostics
        if not (d.code == "E102" and tuple(d.path.rpartition(".")[::2]) in hinted)
    ]


# ------------------------------------------------------------------------------ messages


def _unknown_key(loc: Loc, data: dict[str, Any]) -> str:
    key = str(loc[-1])
    allowed = _allowed_keys(loc[:-1], data)
    hint = difflib.get_close_matches(key, allowed, n=1)
    message = f"unknown key '{key}'"
    message += f"; did you mean '{hint[0]}'?" if hint else "."
    if allowed:
        message += f" Allowed keys here: {', '.join(sorted(allowed))}."
    return message


def _missing_key(loc: Loc) -> str:
    key = str(loc[-1])
    if loc == ("scheme",):
        return "required table [scheme] is missing; add it with id, name and valid_from"
    if loc == ("components",):
        return "no components; add at least one [components.<id>] table"
    if len(loc) >= 2 and isinstance(loc[-2], int):
        return f"required key '{key}' is missing; add {key} = … to this row"
    return f"required key '{key}' is missing; add {key} = … here"


def _bad_kind(err: dict[str, Any]) -> str:
    kinds = ", ".join(KIND_NAMES)
    raw = err["input"].get("kind") if isinstance(err["input"], dict) else None
    if raw is None:
        return f"every component needs a kind; add kind = one of: {kinds}"
    hint = difflib.get_close_matches(str(raw), KIND_NAMES, n=1)
    message = f"unknown component kind '{raw}'"
    message += f"; did you mean '{hint[0]}'?" if hint else ";"
    return message + f" kind must be one of: {kinds}"


def _toml(value: Any) -> str:
    """A value as TOML spells it, for messages: true, "text", 12."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _number_or_formula(value: Any) -> str:
    if value == "":
        return 'is empty; write a number (500 or "40%") or a formula in quotes'
    return f'expected a number (500 or "40%") or a formula in quotes, not {_toml(value)}'


def _bad_value(err: dict[str, Any]) -> str:
    """pydantic's message, reworded to say what to write instead."""
    kind, raw, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    value = _toml(raw)
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"{value} is not allowed here; write {ctx.get('expected', 'one of the listed')}"
    if kind.startswith(("date_", "datetime_")):
        return f"not a date: {value}; write a date like 2026-01-01"
    if kind in ("string_too_short", "too_short") and not raw:
        return "must not be empty"
    if kind == "finite_number":
        return 'must be a finite number; write 2500, 1.5 or "40%"'
    if kind == "string_type":
        return f"expected text in quotes, not {value}"
    if kind.startswith("bool_"):
        return f"expected true or false, not {value}"
    if kind.startswith("int_"):
        return f"expected a whole number, not {value}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        limit = ctx.get("ge", ctx.get("le"))
        return f"must be {bound} {limit}, not {value}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list like [1, 2], not {value}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a table (key = value pairs), not {value}"
    return str(err["msg"])


def _allowed_keys(parent: Loc, data: dict[str, Any]) -> list[str]:
    """The keys a table at `parent` may hold, for did-you-mean; components by their kind."""
    node: type[BaseModel] | None = RuleSet
    rest = parent
    if parent[:1] == ("components",) and len(parent) >= 2:
        raw = data.get("components", {}).get(parent[1], {})
        kind = raw.get("kind") if isinstance(raw, dict) else None
        known = BY_NAME.get(str(kind))
        node = known.model if known is not None else ComponentBase
        rest = parent[2:]
    for part in rest:
        if node is None:
            return []
        if isinstance(part, int):
            continue
        field = node.model_fields.get(str(part))
        node = _model_of(field.annotation) if field else None
    if node is None:
        return []
    return [f.alias or k for k, f in node.model_fields.items()]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
