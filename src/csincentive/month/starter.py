"""A starter for a new shop (`csincentive init FOLDER --from SCHEME`): a period folder with
every input the scheme reads — agents.csv, chats.csv, orders.csv and, when the scheme uses
them, events.csv, attendance.csv and inputs.csv — each with its header and one example row,
a README.md of every column, and beside the folder a copy of the shipped rules file (with
the files it includes, its statutory policy and the JSON Schema editors read).

The example rows make a month that `csincentive check` accepts as it is (one agent, one chat,
one paid order), so a shop sees the formats before it pastes its own exports over them. The
columns are the sources' own (sources/roster.py, attendance.py …): nothing here is a second
list of what an input holds.

The shipped rules files are the package's ``csincentive/schemes/`` (the repository's
``rules/`` folder, installed with the package)."""

from __future__ import annotations

import difflib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.month import Month
from csincentive.core.names import BUILTIN, STATUTORY_ROSTER, YTD_COLUMNS
from csincentive.month.compute import extras_wanted
from csincentive.rules.kinds.match import MatchComponent
from csincentive.rules.kinds.matrix import MatrixComponent
from csincentive.rules.loader import load_rules
from csincentive.rules.model import RuleSet
from csincentive.rules.schema import SCHEMA_FILE
from csincentive.sources.attendance import ATTENDANCE_COLUMNS, ATTENDANCE_REQUIRED
from csincentive.sources.roster import ROSTER_OPTIONAL, ROSTER_REQUIRED
from csincentive.statutory.policy import policy_path

SCHEMES = Path(__file__).resolve().parent.parent / "schemes"
AGENT = "KF001"  # 客服 001
BUYER = "示例买家"
EXAMPLE_TEXT = "示例"
VALID_FROM = re.compile(r'^(valid_from\s*=\s*)"[^"\n]*"', re.MULTILINE)  # [scheme]'s comes first

ROSTER_README = {
    "agent_id": "工号，每人唯一 (the person's id)",
    "name": "姓名",
    "team": "团队 (team sums and rankings within a team)",
    "role": "agent 或 supervisor",
    "grade": "等级 (a match on grade reads it)",
    "hire_date": "入职日期 YYYY-MM-DD",
    "probation_end": "试用期最后一天 (blank: the scheme's probation_months)",
    "chat_nick": "聊天导出里的账号, e.g. 店铺名:小美 (blank: the agent_id)",
    "leave_date": "离职日期 (blank: still employed)",
    "target": "月度业绩目标 (blank: 0)",
}


@dataclass(frozen=True)
class Starter:
    folder: Path
    rules_file: Path
    written: list[Path] = field(default_factory=list)


def shipped_schemes() -> list[str]:
    return sorted(p.stem for p in SCHEMES.glob("*.toml"))


def make_starter(
    folder: Path,
    scheme: str,
    *,
    month: Month | None = None,
    rules_dir: Path | None = None,
    force: bool = False,
) -> Starter:
    """Write the starter period folder and copy the scheme's rules beside it (into
    ``rules_dir``, the folder's parent by default). U121 for a scheme not shipped, U122 for
    a folder not named like a month without ``month``, U123 for a file in the way."""
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
    (folder / "README.md").write_text(_readme(scheme, rules, inputs, when), encoding="utf-8")
    for target, original in copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, target)
    _starts_in(rules_dir / source.name, when)
    return Starter(folder, rules_dir / source.name, targets)


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
    header = [*ROSTER_REQUIRED, *ROSTER_OPTIONAL, *extra, *statutory]
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
            [
                "agent",
                "buyer",
                "start_time",
                "end_time",
                "first_response_s",
                "avg_response_s",
                "rating",
            ],
            [AGENT, BUYER, f"{day} 10:00:00", f"{day} 10:06:00", "8", "20", "很满意"],
        ),
        "orders.csv": _csv(
            [
                "order_id",
                "buyer",
                "created_at",
                "paid_at",
                "paid_amount",
                "status",
                "refund_amount",
            ],
            ["10000001", BUYER, f"{day} 10:05:00", f"{day} 10:07:00", "100.00", "交易成功", "0.00"],
        ),
    }
    wanted = extras_wanted(rules)
    if wanted.events:
        header = ["agent_id", "date", "event", "count", "amount", "note"]
        files["events.csv"] = _csv(
            header, [AGENT, day, wanted.events[0], "1", "", "示例：删除本行"]
        )
    if wanted.attendance:
        columns = [
            *ATTENDANCE_REQUIRED,
            *(c for c in ATTENDANCE_COLUMNS if c not in ATTENDANCE_REQUIRED),
        ]
        row = [AGENT, "22", "22", *(["0"] * (len(columns) - 3))]
        files["attendance.csv"] = _csv(columns, row)
    if wanted.ytd and when.month > 1:  # net pay from a month after January: the year so far
        header = ["agent_id", *YTD_COLUMNS]
        files["ytd.csv"] = _csv(header, [AGENT, "0", *(["0.00"] * (len(YTD_COLUMNS) - 1))])
    if wanted.manual:
        lines = [",".join((AGENT, name, "0")) for name in wanted.manual]
        files["inputs.csv"] = "agent_id,name,value\r\n" + "".join(f"{x}\r\n" for x in lines)
    return files


def _readme(scheme: str, rules: RuleSet, inputs: dict[str, str], when: Month) -> str:
    out = [
        f"# {when} — {rules.title or scheme}",
        "",
        f"A starter month for `{scheme}`. Each file has its header and one example row: replace"
        " the rows with the month's exports (the Taobao 订单报表 and the chat export can be"
        " dropped in as downloaded, GBK and Chinese headers included), then",
        "",
        "```bash",
        f"csincentive check {when} --rules {scheme}.toml",
        f"csincentive run {when} --rules {scheme}.toml",
        "```",
        "",
        "Every column, format and check: docs/inputs.md of csincentive.",
        "",
    ]
    for name, text in inputs.items():
        out += [f"## {name}", ""]
        for column in text.split("\r\n", 1)[0].split(","):
            out.append(f"- `{column}` — {_column_meaning(name, column)}")
        out.append("")
    return "\n".join(out)


def _column_meaning(file: str, column: str) -> str:
    if file == "agents.csv" and column in ROSTER_README:
        return ROSTER_README[column]
    if column in BUILTIN:
        return BUILTIN[column].meaning
    if column in STATUTORY_ROSTER:
        return f"net pay ([statutory]): {STATUTORY_ROSTER[column]} (docs/net-pay.md)"
    return CHAT_ORDER_README.get(column, "see docs/inputs.md")


CHAT_ORDER_README = {
    "agent": "客服昵称: the chat account (a roster agent_id or chat_nick)",
    "buyer": "买家昵称 / 买家会员名",
    "start_time": "接待时间 YYYY-MM-DD HH:MM:SS",
    "end_time": "结束时间",
    "first_response_s": "首次响应时长 (seconds)",
    "avg_response_s": "平均响应时长 (seconds)",
    "rating": "评价: 很满意/满意/一般/不满意/很不满意 or 1–5",
    "order_id": "订单编号",
    "created_at": "订单创建时间",
    "paid_at": "订单付款时间 (blank: unpaid)",
    "paid_amount": "买家实际支付金额",
    "status": "订单状态",
    "refund_amount": "退款金额",
    "date": "the day it happened, YYYY-MM-DD",
    "event": "the event's name as the rules declare it under [events]",
    "count": "how many times (blank: 1)",
    "amount": "an amount, where the event has one",
    "note": "free text",
    "name": "the manual figure's name, as the rules declare it under [inputs] manual",
    "value": "its value",
    "months_counted": "ytd.csv: months of this year already paid elsewhere (docs/net-pay.md)",
}
