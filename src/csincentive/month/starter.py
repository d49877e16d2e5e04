"""A starter for a new shop (`csincentive init FOLDER --from SCHEME`): a period folder with
every input the scheme reads — agents.csv, chats.csv, orders.csv and, when the scheme uses
them, events.csv, attendance.csv and inputs.csv — each with its header and one example row,
a README.md of every column, and beside the folder a copy of the shipped rules file (with
the files it includes, its statutory policy and the JSON Schema editors read).

The example rows make a month that `csincentive check` accepts as it is (one agent, one chat,
one paid order; a header-only chats.csv or orders.csv is D109), so a shop sees the formats
before it pastes its own exports over them. The columns, which of them are required and the
other headers each accepts are the readers' own (sources/inputs.py): nothing here is a
second list of what an input holds. README.md says what each column means, in the chosen
language, with the catalogue's words ([input], [starter] in core/messages.toml).

The shipped rules files are the package's ``csincentive/schemes/`` (the repository's
``rules/`` folder, installed with the package)."""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.messages import language_of, t, word
from csincentive.core.month import Month
from csincentive.core.names import BUILTIN, STATUTORY_ROSTER
from csincentive.month.compute import extras_wanted
from csincentive.rules.kinds.match import MatchComponent
from csincentive.rules.kinds.matrix import MatrixComponent
from csincentive.rules.loader import load_rules
from csincentive.rules.model import RuleSet
from csincentive.rules.schema import SCHEMA_FILE
from csincentive.sources.inputs import INPUT_COLUMNS
from csincentive.statutory.policy import policy_path

SCHEMES = Path(__file__).resolve().parent.parent / "schemes"
AGENT = "KF001"  # 客服 001
BUYER = "示例买家"
EXAMPLE_TEXT = "示例"
VALID_FROM = re.compile(r'^(valid_from\s*=\s*)"[^"\n]*"', re.MULTILINE)  # [scheme]'s comes first


@dataclass(frozen=True)
class Starter:
    folder: Path
    rules_file: Path
    written: list[Path] = field(default_factory=list)
    lang: str = "zh"  # the language README.md is written in


def shipped_schemes() -> list[str]:
    return sorted(p.stem for p in SCHEMES.glob("*.toml"))


def make_starter(
    folder: Path,
    scheme: str,
    *,
    month: Month | None = None,
    rules_dir: Path | None = None,
    force: bool = False,
    lang: str | None = None,
) -> Starter:
    """Write the starter period folder and copy the scheme's rules beside it (into
    ``rules_dir``, the folder's parent by default). U121 for a scheme not shipped, U122 for
    a folder not named like a month without ``month``, U123 for a file in the way. The
    README is in ``lang`` (default: the scheme's [scheme] language)."""
    folder = Path(folder)
    source = _shipped(scheme)
    when = month or _month_of(folder)
    rules = load_rules(source)[0].in_force(when.year, when.month)
    rules_dir = Path(rules_dir) if rules_dir is not None else folder.absolute().parent
    inputs = _inputs(rules, when)
    copies = _rules_copies(rules, source, rules_dir)
    targets = [folder / name for name in inputs] + [folder / "README.md"] + list(copies)
    in_the_way = [p for p in targets if p.exists()]
    if in_the_way and not force:
        message = (
            f"{in_the_way[0]} exists already ({len(in_the_way)} of the starter's files do);"
            " choose an empty folder, or pass --force to write over them"
        )
        raise InputError([Diagnostic(str(in_the_way[0]), message, "U123")])
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in inputs.items():
        (folder / name).write_bytes(("\ufeff" + text).encode("utf-8"))
    words = language_of(lang or rules.language)
    readme = _readme(scheme, rules, inputs, when, words)
    (folder / "README.md").write_text(readme, encoding="utf-8")
    for target, original in copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, target)
    _starts_in(rules_dir / source.name, when)
    return Starter(folder, rules_dir / source.name, targets, words)


def _starts_in(rules_file: Path, when: Month) -> None:
    """The copied scheme starts in the starter's month ([scheme] valid_from): a quarter or
    a year read from the ledger counts from there, so the first month needs no earlier one."""
    text = rules_file.read_text(encoding="utf-8")
    first = f"{when.year}-{when.month:02d}-01"
    text = VALID_FROM.sub(lambda m: f'{m[1]}"{first}"  # the first month paid (init)', text, 1)
    rules_file.write_bytes(text.encode("utf-8"))


def _shipped(scheme: str) -> Path:
    known = shipped_schemes()
    name = scheme.removesuffix(".toml")
    if name in known:
        return SCHEMES / f"{name}.toml"
    if not known:
        message = (
            f"no shipped scheme was found in {SCHEMES}: reinstall csincentive (the rules"
            " files are installed with it), or copy a rules file by hand"
        )
    else:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        message = f"no shipped scheme '{scheme}'; {hint}the schemes are {', '.join(known)}"
    raise InputError([Diagnostic("--from", message, "U121")])


def _month_of(folder: Path) -> Month:
    try:
        return Month.parse(folder.name)
    except ValueError:
        message = (
            "the folder is not named like a month (YYYY-MM, e.g. 2026-11): name it so, or"
            " give the month with --month 2026-11"
        )
        raise InputError([Diagnostic(str(folder), message, "U122")]) from None


def _rules_copies(rules: RuleSet, source: Path, rules_dir: Path) -> dict[Path, Path]:
    """target → shipped file: the rules file, what it includes, its policy, the schema."""
    files = [Path(f) for f in rules.files] or [source]
    if rules.statutory is not None:
        files.append(policy_path(source, rules.statutory.policy))
    files.append(SCHEMES / SCHEMA_FILE)
    root = SCHEMES.resolve()
    return {rules_dir / Path(f).resolve().relative_to(root): Path(f) for f in files}


def _example_text(rules: RuleSet, column: str) -> str:
    """A value a match or matrix of the scheme knows for a roster text column."""
    for component in rules.components.values():
        if isinstance(component, MatchComponent) and component.on == column:
            return next(iter(component.cases))
        if isinstance(component, MatrixComponent) and component.row == column:
            return next(iter(component.cells))
    return EXAMPLE_TEXT


def _csv(header: list[str], row: list[str]) -> str:
    return ",".join(header) + "\r\n" + ",".join(row) + "\r\n"


def _roster(rules: RuleSet, when: Month) -> str:
    extra = list(rules.inputs.roster_fields)
    statutory = [c for c in STATUTORY_ROSTER if rules.statutory is not None]
    header = [*INPUT_COLUMNS["agents.csv"].columns, *extra, *statutory]
    hired = f"{when.year - 1}-{when.month:02d}-01"
    values = {
        "agent_id": AGENT,
        "name": "示例客服",
        "team": "客服一组",
        "role": "agent",
        "grade": _example_text(rules, "grade"),
        "hire_date": hired,
        "target": "10000.00",
        "si_base": "6000.00",
        **{
            name: _example_text(rules, name) if kind == "text" else "0"
            for name, kind in rules.inputs.roster_fields.items()
        },
    }
    return _csv(header, [values.get(c, "") for c in header])


def _inputs(rules: RuleSet, when: Month) -> dict[str, str]:
    """Each input file's name and text: header and one example row."""
    day = f"{when.year}-{when.month:02d}-01"
    files = {
        "agents.csv": _roster(rules, when),
        "chats.csv": _csv(
            _header("chats.csv"),
            [AGENT, BUYER, f"{day} 10:00:00", f"{day} 10:06:00", "8", "20", "很满意"],
        ),
        "orders.csv": _csv(
            _header("orders.csv"),
            ["10000001", BUYER, f"{day} 10:05:00", f"{day} 10:07:00", "100.00", "交易成功", "0.00"],
        ),
    }
    wanted = extras_wanted(rules)
    if wanted.events:
        files["events.csv"] = _csv(
            _header("events.csv"), [AGENT, day, wanted.events[0], "1", "", "示例：删除本行"]
        )
    if wanted.attendance:
        columns = _header("attendance.csv")
        row = [AGENT, "22", "22", *(["0"] * (len(columns) - 3))]
        files["attendance.csv"] = _csv(columns, row)
    if wanted.ytd and when.month > 1:  # net pay from a month after January: the year so far
        header = _header("ytd.csv")
        files["ytd.csv"] = _csv(header, [AGENT, "0", *(["0.00"] * (len(header) - 2))])
    if wanted.manual:
        lines = [",".join((AGENT, name, "0")) for name in wanted.manual]
        head = ",".join(_header("inputs.csv"))
        files["inputs.csv"] = head + "\r\n" + "".join(f"{x}\r\n" for x in lines)
    return files


def _header(file: str) -> list[str]:
    return list(INPUT_COLUMNS[file].columns)


def _readme(scheme: str, rules: RuleSet, inputs: dict[str, str], when: Month, lang: str) -> str:
    """README.md: how to go on, then each file's columns — required or not, what each
    means, the other headers the reader accepts — in ``lang``."""
    out = [
        t("starter.title", lang, month=when, scheme=rules.title or scheme),
        "",
        t("starter.intro", lang, scheme=scheme),
        "",
        "```bash",
        f"csincentive check {when} --rules {scheme}.toml",
        f"csincentive run {when} --rules {scheme}.toml",
        "```",
        "",
        t("starter.docs", lang),
        "",
    ]
    for name, text in inputs.items():
        out += [f"## {name}", "", t("starter.head", lang), "| --- | --- | --- | --- |"]
        for column in text.split("\r\n", 1)[0].split(","):
            key = "starter.required" if _required(rules, name, column) else "starter.optional"
            accepted = t("starter.separator", lang).join(INPUT_COLUMNS[name].accepts(column))
            meaning = _column_meaning(rules, name, column, lang)
            out.append(f"| `{column}` | {t(key, lang)} | {meaning} | {accepted} |")
        out.append("")
    return "\n".join(out)


def _required(rules: RuleSet, file: str, column: str) -> bool:
    """As the reader has it: its required columns, and the rules' roster_fields."""
    if file == "agents.csv" and column in rules.inputs.roster_fields:
        return True
    return column in INPUT_COLUMNS[file].required


def _column_meaning(rules: RuleSet, file: str, column: str, lang: str) -> str:
    stem = file.removesuffix(".csv")
    found = word("input", f"{stem}_{column}", lang) or word("input", column, lang)
    if found is not None:
        return found
    if file == "agents.csv" and column in rules.inputs.roster_fields:
        return t("starter.roster_field", lang, kind=rules.inputs.roster_fields[column])
    if file == "agents.csv" and column in STATUTORY_ROSTER:
        return t("starter.statutory", lang, kind=STATUTORY_ROSTER[column])
    if column in BUILTIN:  # attendance's figures: the name's words, its meaning in English
        return (word("name", column, lang) if lang == "zh" else None) or BUILTIN[column].meaning
    return t("starter.see_docs", lang)
