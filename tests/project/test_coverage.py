"""docs/coverage.md, the table of every rule id of ../shared/SCHEMES.md, stays true: every id
has a row; an implemented row names shipped components that exist and cite its id; every
shipped component is in the row of the id it cites, and cites only ids of SCHEMES.md; a
computable rule is implemented by something; the proofs named exist and cite the id.

The rows still being built (issue 12) and the rows that are not computable are listed here
as well as in the table, so a row changes status only on purpose: flip the row and edit the
list below in the same commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from csincentive.rules.loader import load_rules
from csincentive.rules.model import RuleSet

COVERAGE = ROOT / "docs" / "coverage.md"
# The requirements sit beside the repository (README: ../shared/SCHEMES.md).
SCHEMES = ROOT.parent / "shared" / "SCHEMES.md"
RULES = ROOT / "rules"

# Rows marked planned: ids whose shipped file is still being built (none left since issue 12).
PLANNED: set[str] = set()
# Procedure or principle, with nothing to compute (the table's note says why).
NOT_COMPUTABLE = {"S000-17", "S001-08", "S002-11", "S002-15", "S003-03"}
# Done by csincentive itself, whatever the rules file: the month is the assessment cycle.
BUILT_IN = {"S000-05"}

STATUSES = ("implemented", "planned", "built-in", "not computable")
RULE_ID = re.compile(r"S\d{3}-\d{2}")
# An id with the ids written after it: S000-01..05 (a range), S003-01/02 (a list).
CITATION = re.compile(r"S(\d{3})-(\d{2})((?:(?:\.\.|/)\d{2})*)")
NONE = "—"


def cited(text: str) -> set[str]:
    """The rule ids a text cites, ranges and lists included: "S000-01..03, S003-01/02" →
    S000-01, S000-02, S000-03, S003-01, S003-02."""
    ids = set()
    for seed, first, rest in CITATION.findall(text):
        numbers = [int(first)]
        for sep, number in re.findall(r"(\.\.|/)(\d{2})", rest):
            last = int(number)
            numbers += range(numbers[-1] + 1, last + 1) if sep == ".." else [last]
        ids |= {f"S{seed}-{n:02d}" for n in numbers}
    return ids


def test_citations_read_ranges_and_lists():
    assert cited("(S000-01..05) and S003-01/02, S001-09") == {
        "S000-01", "S000-02", "S000-03", "S000-04", "S000-05", "S003-01", "S003-02", "S001-09",
    }  # fmt: skip
    assert cited("S002-12..14") == {"S002-12", "S002-13", "S002-14"}
    assert cited("no id here") == set()


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    line: int  # in docs/coverage.md
    id: str
    status: str
    # (rules file as a repository path, the components or [tables] named in it)
    implemented_by: tuple[tuple[str, tuple[str, ...]], ...]
    proved_by: tuple[str, ...]
    note: str

    def names_in(self, file: str) -> set[str]:
        """What the row names in one rules file."""
        return {item for named, items in self.implemented_by if named == file for item in items}

    @property
    def where(self) -> str:
        return f"docs/coverage.md:{self.line}: {self.id}"


def _cells(text: str) -> list[str]:
    return [cell.strip().replace("`", "") for cell in text.strip().strip("|").split("|")]


def _implemented_by(
    cell: str, where: str, problems: list[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if cell == NONE:
        return ()
    groups = []
    for group in cell.split(";"):
        file, sep, items = group.partition(":")
        names = tuple(item.strip() for item in items.split(","))
        if not sep or not file.strip().startswith("rules/") or not all(names):
            problems.append(
                f"{where}: write 'rules/FILE.toml: a, b' (';' between files): {group!r}"
            )
            continue
        groups.append((file.strip(), names))
    return tuple(groups)


@cache
def _table() -> tuple[tuple[Row, ...], tuple[str, ...]]:
    """The rows of docs/coverage.md, and what is wrong with how any of them is written."""
    rows, problems = [], []
    for number, text in enumerate(COVERAGE.read_text(encoding="utf-8").splitlines(), 1):
        if not re.match(r"\|\s*S\d", text):
            continue
        where = f"docs/coverage.md:{number}"
        cells = _cells(text)
        if len(cells) != 5 or not RULE_ID.fullmatch(cells[0]):
            problems.append(
                f"{where}: a row is | id | status | implemented by | proved by | note |"
            )
            continue
        rule_id, status, by, proofs, note = cells
        if status not in STATUSES:
            problems.append(f"{where}: {rule_id}: status {status!r} is not one of {STATUSES}")
        proved = () if proofs == NONE else tuple(p.strip() for p in proofs.split(","))
        groups = _implemented_by(by, f"{where}: {rule_id}", problems)
        rows.append(Row(number, rule_id, status, groups, proved, note))
    return tuple(rows), tuple(problems)


def _rows(*statuses: str) -> list[Row]:
    return [row for row in _table()[0] if not statuses or row.status in statuses]


def _row_of() -> dict[str, Row]:
    return {row.id: row for row in _rows()}


def _ids(status: str) -> set[str]:
    return {row.id for row in _rows(status)}


def test_the_table_is_written_as_its_header_says():
    rows, problems = _table()
    assert rows, "docs/coverage.md has no rows"
    assert not problems, "\n".join(problems)
    ids = [row.id for row in rows]
    assert sorted(ids) == ids and len(set(ids)) == len(ids), "one row per id, in id order"


def test_every_rule_id_of_schemes_md_has_one_row():
    if not SCHEMES.is_file():
        pytest.skip(f"the requirements are not beside the repository: {SCHEMES}")
    text = SCHEMES.read_text(encoding="utf-8")
    ids = re.findall(r"^\|\s*(S\d{3}-\d{2})\s*\|", text, re.M)
    assert ids, f"no rule ids found in {SCHEMES}"
    assert [row.id for row in _rows()] == ids


# ------------------------------------------------------------------- the shipped rules


@cache
def _shipped() -> dict[str, RuleSet]:
    """Every shipped rules file, loaded as a run loads it, by its repository path."""
    paths = sorted(RULES.glob("*.toml"))
    return {path.relative_to(ROOT).as_posix(): load_rules(path)[0] for path in paths}


def _written_in(rules: RuleSet, component: str) -> str:
    """The repository path of the file a component is written in (itself or an include)."""
    return Path(rules.written[component].file).resolve().relative_to(ROOT).as_posix()


def _found(rules: RuleSet, item: str) -> list[Any] | str:
    """What an item of a row names in a rule set — a component, or a table such as
    [grades] (a list of entries for [checks.pay_range]) — or why it is not there."""
    if not item.startswith("["):
        if item not in rules.components:
            return f"no component {item!r}"
        return [rules.components[item]]
    value: Any = rules
    for part in item.strip("[]").split("."):
        value = getattr(value, part, None)
    if value is None or value == []:
        return f"no {item} table"
    return list(value) if isinstance(value, list) else [value]


def _cites(found: list[Any], rule_id: str) -> bool:
    """A component, or a check with a `rule`, cites the id; a table without one (the
    [grades] review) is enough by being there."""
    with_rule = [thing for thing in found if hasattr(thing, "rule")]
    return not with_rule or any(rule_id in cited(thing.rule) for thing in with_rule)


def _problems_of(row: Row) -> list[str]:
    """What is wrong with what an implemented row names; [] when all of it is there."""
    problems = []
    for file, items in row.implemented_by:
        rules = _shipped().get(file)
        if rules is None:
            problems.append(f"{row.where}: {file} is not a shipped rules file")
            continue
        for item in items:
            found = _found(rules, item)
            if isinstance(found, str):
                problems.append(f"{row.where}: {file}: {found}")
            elif not item.startswith("[") and _written_in(rules, item) != file:
                problems.append(
                    f"{row.where}: {file}: {item} is written in {_written_in(rules, item)}: "
                    "name that file"
                )
            elif not _cites(found, row.id):
                rule = getattr(found[0], "rule", "")
                problems.append(f"{row.where}: {file}: {item} cites {rule!r}, not {row.id}")
    return problems


def test_implemented_rows_name_shipped_components_that_cite_the_id():
    problems = [p for row in _rows("implemented") for p in _problems_of(row)]
    assert not problems, "\n".join(problems)


def _rule_fields(value: Any, path: str) -> list[tuple[str, str]]:
    """Every `rule` written anywhere in a rule set (scheme, events, components, checks,
    dated changes), as (dotted path, text)."""
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [(where, inner)] if key == "rule" and isinstance(inner, str) else []
            found += _rule_fields(inner, where)
        return found
    if isinstance(value, list):
        return [f for i, inner in enumerate(value) for f in _rule_fields(inner, f"{path}[{i}]")]
    return []


def test_shipped_rules_cite_only_ids_of_the_table():
    known = {row.id for row in _rows()}
    wrong = []
    for file, rules in _shipped().items():
        for path, text in _rule_fields(rules.model_dump(), ""):
            rest = re.sub(r"[\s,;]", "", CITATION.sub("", text))
            if (text and rest) or not cited(text) <= known:
                wrong.append(f"{file}: {path} = {text!r}: cite rule ids of SCHEMES.md")
        for component, meta in rules.components.items():
            if not cited(meta.rule):
                wrong.append(f"{file}: components.{component} cites no rule id")
    assert not wrong, "\n".join(wrong)


def test_every_shipped_component_is_in_the_row_of_the_id_it_cites():
    rows = _row_of()
    missing = []
    for file, rules in _shipped().items():
        for component, meta in rules.components.items():
            if _written_in(rules, component) != file:
                continue  # from an included file: its own row names it
            for rule_id in sorted(cited(meta.rule)):
                row = rows.get(rule_id)
                if row is None or component not in row.names_in(file):
                    status = f" (its row says {row.status})" if row else ""
                    missing.append(
                        f"{file}: {component} cites {rule_id}{status}: add it to the row's"
                        " 'implemented by'"
                    )
    assert not missing, "\n".join(missing)


# ----------------------------------------------------------------- what is left to build


def test_every_computable_rule_is_implemented_by_something():
    bare = [row.where for row in _rows("implemented", "planned") if not row.implemented_by]
    assert not bare, "name what implements each: " + ", ".join(bare)
    for row in _rows("built-in", "not computable"):
        assert not row.implemented_by, f"{row.where}: a {row.status} row names no component"
        assert row.note, f"{row.where}: say why in the note"


def test_the_statuses_are_the_ones_listed_here():
    assert _ids("not computable") == NOT_COMPUTABLE
    assert _ids("built-in") == BUILT_IN
    assert _ids("planned") == PLANNED


def test_planned_rows_are_flipped_once_their_file_implements_them():
    planned = _rows("planned")
    files = {row.id: sorted({file for file, _ in row.implemented_by}) for row in planned}
    print("planned (issue 12):", "; ".join(f"{i} {', '.join(f)}" for i, f in files.items()))
    landed = [row.where for row in planned if row.implemented_by and not _problems_of(row)]
    assert not landed, (
        "implemented now: mark these rows implemented and take their ids out of PLANNED: "
        + ", ".join(landed)
    )


# ------------------------------------------------------------------------------ proofs


def test_proofs_exist_and_their_tests_cite_the_rule():
    wrong = []
    for row in _rows("implemented", "built-in"):
        tests = [p for p in row.proved_by if p.startswith("tests/") and p.endswith(".py")]
        months = [p for p in row.proved_by if p not in tests]
        if not tests or (row.status == "implemented" and not months):
            wrong.append(f"{row.where}: name an example month and the test that works it by hand")
        for month in months:
            if not (ROOT / month / "agents.csv").is_file():
                wrong.append(f"{row.where}: {month} is not a period folder")
        for test in tests:
            path = ROOT / test
            if not path.is_file():
                wrong.append(f"{row.where}: {test} does not exist")
            elif row.id not in cited(path.read_text(encoding="utf-8")):
                wrong.append(f"{row.where}: {test} does not cite {row.id}")
    assert not wrong, "\n".join(wrong)
