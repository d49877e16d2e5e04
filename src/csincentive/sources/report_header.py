"""Where a per-agent report's table starts, and what each of its columns is.

A report is read as downloaded: title rows above the table ("赤兔名品 售前绩效 统计时间：
2026-10-01 至 2026-10-31"), then one header row or two (a grouped header: "询单" over
"询单人数 | 询单->最终付款人数", with the account's "客服" merged down both rows). The header
is the row among the first ones that names the most known columns; the row just above or
below it is part of it when it names known columns too. A column of a grouped header is
its lower cell, or the group and the lower cell together, or — merged down — the upper cell.

Each figure is found by its headers in the order of ``FIGURES`` (the first present wins,
so 接待人数 is preferred to 有效接待人数), matched ignoring case, spaces and full-width
punctuation; ``[inputs] columns = { "接待量" = "sessions" }`` adds a header of the shop's.

Sources of the headers: 赤兔 售前绩效 — the columns a public importer of the report reads
(客服, 接待人数, 询单人数, 询单->最终付款人数, 询单->最终付款成功率, 客件数, 客单价 …,
平均响应时间, 首次响应时间, 销售额, 客服答问比, 慢响应人数 …, 退款率); 生意参谋 客服绩效 —
旺旺昵称, 询单人数, 询单最终付款人数, 询单最终付款转化率, 首次响应时长（秒), 平均响应时长（秒),
客户满意率, 旺旺回复率, 询单最终付款金额, 成功退款金额, with six summary rows at its foot
(汇总值, 平均值, 全店汇总值, 全店平均值, 同行同层优秀, 同行同层均值), as a public shop-data
importer's source spec gives it; 生意参谋 客服销售 (per account) — 旺旺昵称, 咨询人数,
有效接待人数, 询单人数, 下单人数, 下单金额, 销售人数, 销售额, 销售量, 订单量, 个人销售额占比,
成功退款金额, 净销售额 (../shared/EXPORTS.md). The Taobao open platform's 客服绩效统计表
(open.taobao.com, docId 720) defines the same figures by their API names (ask_num …).

The report is first read as a :class:`Grid`: every row as a spreadsheet shows it — title
rows, header rows, data and summary rows alike — from a CSV file (any encoding
sources.encoding reads) or the first sheet of a workbook (read by the one workbook reader,
sources.workbook). Each row keeps where it is: its physical line in a CSV file, its row in
the sheet; a row's cell i is the sheet's column i + 1 (a table starting in column B has an
empty cell 0), so ``Grid.located`` names a cell ``file:line:col`` or ``file:Sheet!C12``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csincentive.core.diagnostics import Diagnostic, InputError, Severity
from csincentive.sources.encoding import ensure_utf8, head_text
from csincentive.sources.headers import norm
from csincentive.sources.report_values import Kind
from csincentive.sources.workbook import column_letter, is_workbook, load_grid

HEADER_ROWS = 30  # the header is within the first rows: title rows are a few at most


@dataclass(frozen=True)
class Grid:
    """Every row of a file's first sheet as text ('' for an empty cell), with its line
    (CSV) or sheet row (workbook), and the sheet's name for a workbook."""

    path: Path
    rows: list[list[str]]
    lines: list[int]
    sheet: str | None = None

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def located(
        self, line: int | None, col: int | None = None
    ) -> tuple[str, int | None, int | None]:
        """(file, line, col) of a cell (col 0-based), or of a row when col is None: the
        line and column of a CSV file, or for a workbook ``file:Sheet!C12`` as the file
        (a row at its first column; the whole file when line is None)."""
        if self.sheet is None:
            return str(self.path), line, None if col is None else col + 1
        if line is None:  # the whole file
            return str(self.path), None, None
        return f"{self.path}:{self.sheet}!{column_letter((col or 0) + 1)}{line}", None, None

    def diagnostic(
        self,
        message: str,
        code: str,
        line: int | None = None,
        col: int | None = None,
        path: str = "",
        severity: Severity = "error",
    ) -> Diagnostic:
        """A problem at a cell (or row) of the grid."""
        file, at_line, at_col = self.located(line, col)
        return Diagnostic(
            file, message, code=code, line=at_line, col=at_col, path=path, severity=severity
        )

    def frame(self, first: int, columns: list[int]) -> pl.DataFrame:
        """Rows from index ``first`` on as a frame: ``line``, ``first_cell`` (the row's first
        cell with text: where a summary row is named), then ``_c<i>`` for each column index
        asked for; cells are stripped, null when blank."""
        body = self.rows[first:]
        data: dict[str, list[object]] = {
            "line": list(self.lines[first:]),
            "first_cell": [next((c.strip() for c in row if c.strip()), "") for row in body],
        }
        for index in columns:
            data[f"_c{index}"] = [row[index].strip() if index < len(row) else "" for row in body]
        names = ["first_cell", *(f"_c{i}" for i in columns)]
        schema = {"line": pl.Int64, **{name: pl.String for name in names}}
        frame = pl.DataFrame(data, schema=schema)
        return frame.with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names)


def read_grid(path: Path, work_dir: Path, limit: int | None = None) -> Grid:
    """The file's rows as text: a CSV file through its UTF-8 reading, a workbook's first
    sheet through sources.workbook.load_grid; with ``limit``, only its first rows (enough
    for find_header: HEADER_ROWS)."""
    if is_workbook(path):
        advice = "download the report again, or open it in Excel and save it as .xlsx"
        sheet, _, frame, first_col = load_grid(path, code="D842", advice=advice, limit=limit)
        blank = [""] * (first_col - 1)  # the columns left of the table: cell i is column i + 1
        rows = [blank + ["" if cell is None else str(cell) for cell in row] for row in frame.rows()]
        return Grid(path, rows, list(range(1, len(rows) + 1)), sheet)
    rows, lines = [], []
    # Only the first rows: read from the file's first megabyte, not a UTF-8 copy of it all.
    opened = (
        head_text(path)
        if limit is not None
        else ensure_utf8(path, work_dir, display=str(path)).open(encoding="utf-8-sig", newline="")
    )
    with opened as handle:
        reader = csv.reader(handle)
        try:
            for cells in reader:
                if limit is not None and len(rows) >= limit:
                    break
                rows.append(cells)
                lines.append(reader.line_num)
        except csv.Error as error:
            message = f"cannot be read as CSV ({error}) — export the report again"
            raise InputError.single(str(path), message, code="D842", line=reader.line_num) from None
    return Grid(path, rows, lines)


@dataclass(frozen=True)
class Figure:
    """A figure a report may hold: the month's name for it, how its cells read, and the
    headers that mean it (in order of preference)."""

    name: str
    kind: Kind
    headers: tuple[str, ...]


ACCOUNT = "account"
ACCOUNT_HEADERS = ("客服", "旺旺昵称", "客服昵称", "客服账号", "子账号", "旺旺", "账号", "客服名称")
FIGURES: tuple[Figure, ...] = (
    Figure("sessions", "count", ("接待人数", "有效接待人数")),
    Figure("inquiring_buyers", "count", ("询单人数",)),
    Figure("paying_buyers", "count", ("询单->最终付款人数", "询单最终付款人数", "销售人数")),
    Figure("orders", "count", ("订单量", "成交笔数", "订单数", "付款订单数")),
    Figure(
        "conversion",
        "rate",
        ("询单->最终付款成功率", "询单最终付款转化率", "询单->最终付款转化率", "询单转化率"),
    ),
    Figure("sales", "money", ("销售额", "询单最终付款金额", "询单->最终付款金额", "客服销售额")),
    Figure("refunds", "money", ("成功退款金额", "完成退款金额", "退款金额")),
    Figure("net_sales", "money", ("净销售额",)),
    Figure(
        "avg_first_response_s",
        "seconds",
        ("首次响应时间", "首次响应时长(秒)", "首次响应时长", "平均首次响应时长"),
    ),
    Figure(
        "avg_response_s",
        "seconds",
        ("平均响应时间", "平均响应时长(秒)", "平均响应时长", "平均响应(秒)"),
    ),
    Figure("answer_ratio", "ratio", ("客服答问比", "答问比")),
    Figure("satisfaction", "rate", ("客户满意率", "满意率", "客服满意率")),
    Figure("slow_responses", "count", ("慢响应人数", "慢响应次数")),
    Figure("agent_messages", "count", ("客服消息数",)),
    Figure("buyer_messages", "count", ("买家消息数",)),
)
BY_NAME = {figure.name: figure for figure in FIGURES}


@dataclass(frozen=True)
class Header:
    """The table of a report: its header rows (indexes into the grid), the account's
    column, each figure's column and header as written, and the tool that wrote it."""

    rows: tuple[int, ...]
    account: tuple[int, str]
    figures: dict[str, tuple[int, str]]
    tool: str  # 赤兔 售前绩效, 生意参谋 客服绩效 …
    short: str  # 赤兔, 生意参谋: how a comparison names the report

    @property
    def first_data_row(self) -> int:
        return self.rows[-1] + 1

    @property
    def columns(self) -> list[int]:
        return [self.account[0], *(index for index, _ in self.figures.values())]


def squeeze(text: str) -> str:
    """A header as compared: norm() without any whitespace (a wrapped header cell)."""
    return re.sub(r"\s+", "", norm(text))


def lookup(column_map: Mapping[str, str] | None) -> dict[str, tuple[str, int]]:
    """Squeezed header → (figure or ACCOUNT, preference: 0 first); the rules file's own
    headers come before every built-in one."""
    table = {squeeze(h): (ACCOUNT, rank) for rank, h in enumerate(ACCOUNT_HEADERS)}
    for figure in FIGURES:
        table.update({squeeze(h): (figure.name, rank) for rank, h in enumerate(figure.headers)})
    for written, canonical in (column_map or {}).items():
        name = ACCOUNT if canonical == "agent" else canonical
        if name == ACCOUNT or name in BY_NAME:
            table[squeeze(written)] = (name, -1)
    return table


def find_header(grid: Grid, column_map: Mapping[str, str] | None = None) -> Header:
    """The report's header rows and columns; D830 when no row names an account column
    beside a known figure, D831 when two columns mean the same figure."""
    table = lookup(column_map)
    rows = grid.rows[:HEADER_ROWS]
    scores = [sum(squeeze(cell) in table for cell in row) for row in rows]
    if not scores or max(scores) == 0:
        raise _no_header(grid)
    best = scores.index(max(scores))
    # The row above or below is part of the header when the two name more columns together.
    choices = [(best,), (best - 1, best), (best, best + 1)]
    choices = [c for c in choices if c[0] >= 0 and c[-1] < len(rows)]

    def known(used: tuple[int, ...]) -> int:
        names = _column_names([rows[i] for i in used], table)
        return sum(squeeze(name) in table for name in names if name)

    used = max(choices, key=known)  # (the first of the best: one row unless two name more)
    names = _column_names([grid.rows[i] for i in used], table)
    found, problems = _resolve(names, table, grid, grid.lines[used[-1]])
    if ACCOUNT not in found or len(found) < 2:
        raise _no_header(grid)
    if problems:
        raise InputError(problems)
    account = found.pop(ACCOUNT)
    title = " ".join(cell for row in grid.rows[: used[0]] for cell in row)
    tool, short = _tool(title, account[1], set(found))
    return Header(used, account, found, tool, short)


def _column_names(rows: Sequence[Sequence[str]], table: Mapping[str, object]) -> list[str]:
    """Each column's header: the one row's cell, or for two rows the lower cell, the group
    above it joined to it (the group's merged cell holds its name in its first column
    only), or the upper cell when nothing is below it (merged down)."""
    if len(rows) == 1:
        return [cell.strip() for cell in rows[0]]
    top, bottom = rows
    width = max(len(top), len(bottom))
    names, group = [], ""
    for index in range(width):
        upper = top[index].strip() if index < len(top) else ""
        lower = bottom[index].strip() if index < len(bottom) else ""
        group = upper or group
        if not lower:
            names.append(upper)
            continue
        joined = [lower, group + lower, f"{group}-{lower}", f"{group}->{lower}"]
        names.append(next((name for name in joined if squeeze(name) in table), lower))
    return names


def _resolve(
    names: Sequence[str], table: Mapping[str, tuple[str, int]], grid: Grid, line: int
) -> tuple[dict[str, tuple[int, str]], list[Diagnostic]]:
    """Figure → (column, header as written), the most preferred header of each; D831 for
    two columns of the same header (or both the rules file's own)."""
    best: dict[str, tuple[int, int, str]] = {}  # figure → (preference, column, written)
    problems: list[Diagnostic] = []
    for index, written in enumerate(names):
        hit = table.get(squeeze(written)) if written else None
        if hit is None:
            continue
        name, rank = hit
        if name in best and best[name][0] == rank:
            first = best[name]
            message = (
                f"columns {first[1] + 1} and {index + 1} are both '{written}' — delete one, "
                "or download the report again"
            )
            problems.append(grid.diagnostic(message, "D831", line, index, written))
        elif name not in best or rank < best[name][0]:
            best[name] = (rank, index, written)
    return {name: (index, written) for name, (_, index, written) in best.items()}, problems


def _tool(title: str, account_header: str, figures: set[str]) -> tuple[str, str]:
    """Which report this is, from its title or else its headers: 赤兔 names the agent 客服,
    生意参谋 旺旺昵称; 生意参谋's 客服销售 has net sales or 销售人数 where 客服绩效 has not."""
    if "赤兔" in title or ("生意参谋" not in title and squeeze(account_header) == "客服"):
        return "赤兔 售前绩效", "赤兔"
    if "生意参谋" in title or squeeze(account_header) == "旺旺昵称":
        sales = "net_sales" in figures or "orders" in figures
        return ("生意参谋 客服销售" if sales else "生意参谋 客服绩效"), "生意参谋"
    return "per-agent report", "the report"


def _no_header(grid: Grid) -> InputError:
    accounts = ", ".join(ACCOUNT_HEADERS[:3])
    message = (
        "no header row found: the report needs a column naming each agent "
        f"({accounts} …) beside figures such as 接待人数, 询单人数 or 销售额 — download the "
        "赤兔 售前绩效 or 生意参谋 客服绩效 report again, or map your headers under "
        '[inputs] columns = { "your header" = "sessions" }'
    )
    if not any(cell.strip() for row in grid.rows for cell in row):
        message = "the report is empty — download it again"
    return InputError.single(str(grid.path), message, code="D830")
