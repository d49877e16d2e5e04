"""Errors are values: a Diagnostic names where (file, line, column), what (a code and the
dotted path of the offending field) and what to do. Loaders and validators collect every
diagnostic they find and raise one InputError carrying all of them, so the user fixes the
whole file in one pass instead of one error per run.

Every code the package emits is registered here once (``CODES``: its severity and what it
means), and ``python -m csincentive.core.diagnostics > docs/errors.md`` writes the page that
lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


class Code(NamedTuple):
    severity: Severity
    meaning: str  # one line: what went wrong, in the words the user would look for


def _error(meaning: str) -> Code:
    return Code("error", meaning)


def _warning(meaning: str) -> Code:
    return Code("warning", meaning)


# Every code the package emits. A new code is added here in the same commit that emits it;
# the tests fail on a code used but missing here, and on one listed here but never used.
CODES: dict[str, Code] = {
    # -- E: the rules file
    "E000": _error("a problem that has no code of its own yet"),
    "E001": _error("the rules file does not exist or cannot be read"),
    "E100": _error("the rules file is not valid TOML"),
    "E101": _error("an unknown key (a typo is answered with 'did you mean …')"),
    "E102": _error("a required key or table is missing ([scheme], components, a label …)"),
    "E103": _error("a value of the wrong type or out of range"),
    "E104": _error("a component's kind is missing or unknown"),
    "E105": _error(
        "a number too large or too precise for the engine (28 digits before the point, 10 after)"
    ),
    "E106": _error("a file includes itself, directly or through other files"),
    "E107": _error("a rules file over a limit: size, components, nesting or files included"),
    "E108": _error("an include that is not a relative path to a .toml file in the rules' folder"),
    "E110": _error("a formula or amount names something that is not defined"),
    "E111": _error("a formula cannot be parsed"),
    "E112": _error("match/matrix compares a value that is not a roster text field"),
    "E113": _error("a formula longer than 2,000 characters"),
    "E114": _error("a formula nested more than 30 deep (brackets, function calls, signs)"),
    "E115": _error("a formula with more than 200 values (numbers, names, texts)"),
    "E120": _error("components depend on each other in a cycle"),
    "E130": _error("tier rows leave a gap, or marginal tiers do not start at 0"),
    "E131": _error("tier rows overlap"),
    "E132": _error("a tier row's bounds do not ascend (from ≥ below)"),
    "E134": _error("a matrix row does not have one value per band"),
    "E152": _error("an id is used twice (component, parameter, total or built-in name)"),
    "E153": _error("an id cannot be used in formulas (a formula word, or not a name)"),
    "E154": _error("flag and flag_when are not given together"),
    "E155": _error("a points component is marked as pay"),
    "E156": _error("the first total is given a formula; it is the sum of the pay components"),
    "E157": _error("a total after the first has no formula (expr)"),
    "E160": _error("a dated change does not start on the first day of a month"),
    "E161": _error("two dated changes have the same date"),
    "E162": _error("a dated change is not after the scheme's valid_from"),
    "E170": _error("a component has no value for a person (no row, case or default matches)"),
    "E171": _error(
        "a value does not fit the engine while the month is computed (10^28 or more: a product,"
        " a sum over a team …)"
    ),
    "E180": _error("a history function is used but no ledger was given"),
    "E181": _error("a history function needs earlier months the ledger does not have"),
    "E182": _error("an earlier month in the ledger did not record a figure a rule reads"),
    "E190": _error("the month is earlier than the scheme's valid_from"),
    "E200": _error("a scorecard's weights do not add up to 100%"),
    "E201": _error("some scorecard items have a weight and others do not"),
    "E202": _error("a linear scorecard item's worst and best are the same value"),
    "E203": _error(
        "a scorecard item is not scored one way: neither or both of bands and worst/best, or"
        " only one of worst and best"
    ),
    "E204": _error("a scorecard item's cap is below 0, or its max is not above 0"),
    "E205": _error("a scorecard without per_point is paid (a score is not money)"),
    "E210": _error("a pool's amount is below 0"),
    "E211": _error("a pool's amount reads a value that differs from person to person"),
    "E212": _error("a pool has when, cap, floor or prorate (they would break Σ shares = pool)"),
    "E213": _error("a pool's amount is not one value for everyone sharing it, in the month"),
    "E220": _error("a pay range matches on a key that is not a roster text field"),
    "E221": _error("a pay range's min is above its max"),
    "E222": _error("a pay range has neither min nor max"),
    "E223": _error("a pay range matches a role other than agent or supervisor (it never matches)"),
    "E224": _error(
        "a pay check names the wrong kind of value: of is no component or total, or the minimum"
        " wage's amount is no number, parameter or roster field"
    ),
    "E225": _error("a history function sums, averages or reads last month's value of a text field"),
    # -- D: the month's data files
    "D100": _error("the period is not a month (YYYY-MM)"),
    "D101": _error("the month's folder or one of its required files is missing"),
    "D102": _error("an input file has no header row or is not readable"),
    "D103": _error("a required column is missing"),
    "D104": _error("an unknown column in the roster"),
    "D105": _error("two columns mean the same field"),
    "D106": _error("chats.csv mixes session columns and message columns"),
    "D107": _error("a file's bytes are neither UTF-8 nor the encoding it was read in"),
    "D108": _error("a CSV file cannot be parsed (an unclosed quote, a broken row)"),
    "D109": _error("an export has only its header, but the rules read figures made from it"),
    "D110": _error("a row has fewer cells than the header (a row cut short)"),
    "D111": _error("an export whose last row is cut short: a download that did not finish"),
    "D201": _error("roster: a required value is empty"),
    "D202": _error("roster: an unknown role (agent or supervisor)"),
    "D203": _error("roster: not a date"),
    "D204": _error("roster: an agent_id appears twice"),
    "D205": _error("roster: a chat nick appears twice"),
    "D206": _error("roster: the target or a money roster field is not an amount"),
    "D207": _error("roster: no agents"),
    "D208": _error("roster: a number roster field is not a number"),
    "D209": _error("roster: a leave_date before the hire_date"),
    "D300": _error("chats or orders: a value cannot be read (a date, an amount, a count)"),
    "D301": _error(
        "chats: an account matching no roster agent_id or chat_nick won orders (or list it "
        "under [inputs] ignore_accounts)"
    ),
    "D302": _error("more chat accounts than one month's attribution can rank"),
    "D303": _error(
        "the figures per person made from the exports cannot be computed (a sum out of range)"
    ),
    "D320": _error("orders: a negative amount paid or refunded"),
    "D321": _error("orders: an amount above [inputs] max_amount"),
    "D322": _error("orders: a refund larger than the payment"),
    "D323": _error("orders: paid before the order was created"),
    "D324": _error("orders: a paid order's refund is empty (a row cut short?)"),
    "D330": _error("chats: a session that ends before it starts"),
    "D331": _error("chats: a rating outside the accepted scale"),
    "D401": _error("attendance: an unknown column"),
    "D402": _error("attendance: a required column is missing"),
    "D403": _error("attendance: the file has no rows"),
    "D404": _error("attendance: an agent who is not in the roster"),
    "D405": _error("attendance: an agent has two rows"),
    "D406": _error("attendance: not a number of days"),
    "D407": _error("attendance: a negative number of days"),
    "D408": _error("attendance: more worked days than scheduled days"),
    "D409": _error("attendance: the rules use attendance but the file is missing"),
    "D410": _error("attendance: a roster agent has no row"),
    "D501": _error("events: an unknown column"),
    "D502": _error("events: a required column is missing"),
    "D503": _error("events: the file has no rows"),
    "D504": _error("events: an agent who is not in the roster"),
    "D505": _error("events: not a date"),
    "D506": _error("events: an event dated in another month"),
    "D507": _error("events: an event kind the rules do not declare"),
    "D508": _error("events: the count is not a whole number ≥ 1"),
    "D509": _error("events: the amount is not an amount"),
    "D601": _error("manual inputs: an unknown column"),
    "D602": _error("manual inputs: a required column is missing"),
    "D603": _error("manual inputs: the file has no rows"),
    "D604": _error("manual inputs: an agent who is not in the roster"),
    "D605": _error("manual inputs: an input the rules do not declare"),
    "D606": _error("manual inputs: the same input twice for one agent"),
    "D607": _error("manual inputs: the value is not a number"),
    "D608": _error("manual inputs: a required input is missing for an agent"),
    "D700": _error("roster (net pay): si_base or hf_base is not an amount"),
    "D701": _error("roster (net pay): hf_rate is not a rate, or outside the policy's range"),
    "D702": _error("roster (net pay): tax_method or bonus_tax is not one of its choices"),
    "D703": _error("roster (net pay): a flag (insured, first_job_this_year …) is not yes or no"),
    "D704": _error("inputs.csv (net pay): a special or other deduction below 0"),
    "D710": _error("ytd.csv: an unknown column"),
    "D711": _error("ytd.csv: a required column is missing"),
    "D712": _error("ytd.csv: a required value is empty"),
    "D713": _error("ytd.csv: an agent who is not in the roster"),
    "D714": _error("ytd.csv: an agent has two rows"),
    "D715": _error("ytd.csv: not an amount, or not a whole number of months"),
    "D716": _error("ytd.csv: more months counted than the year had before the month"),
    "D800": _error("a workbook (.xlsx, .xls) cannot be opened"),
    "D801": _error("the sheet named by [inputs] sheet is not in the workbook"),
    "D802": _error("a workbook's sheet is empty"),
    "D803": _error("no header row in a workbook sheet's first rows"),
    "D804": _error("a workbook cell holds an Excel error (#DIV/0!, #N/A …) in a column read"),
    "D805": _error("the folder holds one input twice (a CSV and a workbook, or .xlsx and .xls)"),
    "D806": _error("宝贝报表: the item lines of one order name different buyers or creation times"),
    "D807": _error(
        "no chats, orders or agent_report.*, and several files read as a per-agent report"
    ),
    "D830": _error("agent report: no header row naming each agent's account and figures"),
    "D831": _error("agent report: two columns with the same header"),
    "D832": _error("agent report: a figure not counted yet (延迟统计 …): download it again later"),
    "D833": _error("agent report: a value cannot be read (a count, an amount, a duration, a rate)"),
    "D834": _error("agent report: a negative count, amount or duration"),
    "D835": _error("agent report: a rate written as a bare number above 1 (45.2 for 45.2%)"),
    "D836": _error("agent report: an account on two rows (daily rows, or an agent twice)"),
    "D837": _error("agent report: a row of figures without an account"),
    "D838": _error("agent report: the period in its title is not the month paid"),
    "D839": _error("agent report: the agents' rows do not add up to its 汇总 (sum) row"),
    "D840": _error("agent report: no agent rows under the header"),
    "D841": _error("agent report: the rules read a figure the report does not have"),
    "D842": _error("agent report: not a readable workbook or CSV file"),
    "D843": _error(
        "agent report: an account matching no roster agent_id or chat_nick has sales (or list"
        " it under [inputs] ignore_accounts)"
    ),
    # -- T: statutory policy files (social insurance, housing fund)
    "T100": _error("a statutory policy file does not exist or cannot be read"),
    "T101": _error("a statutory policy file is not valid TOML"),
    "T102": _error("a statutory policy: an unknown key (a typo is answered with 'did you mean …')"),
    "T103": _error("a statutory policy: a required key or table is missing"),
    "T104": _error("a statutory policy: a value of the wrong type or out of range"),
    "T105": _error("a statutory policy: a period does not start on the first day of a month"),
    "T106": _error("a statutory policy: two periods start on the same day"),
    "T107": _error("a statutory policy: a base's floor is above its cap"),
    "T108": _error("a statutory policy: the housing fund rate lies outside its range"),
    "T109": _error("a statutory policy has no period in force in the month paid"),
    "T110": _error("[statutory] policy names no shipped policy and no .toml file"),
    "T111": _error("[statutory] policy is a path outside the rules file's folder"),
    "T112": _error("with [statutory] on, a component or total has a net-pay column's name"),
    # -- W: warnings (the month is still paid)
    "W133": _warning("a tier row can never be reached"),
    "W140": _warning("a rate above 1 (×2 rather than 2%?)"),
    "W201": _warning("roster: a person not employed in the month paid (hired after, left before)"),
    "W210": _warning("a pool is not shared: Σ basis of the eligible is 0"),
    "W211": _warning("a pool is below 0 in the month: nothing is shared"),
    "W213": _warning("a person's base is below the minimum wage ([scheme] minimum_wage)"),
    "W214": _warning("a person's pay is outside a reference pay range ([[checks.pay_range]])"),
    "W301": _warning(
        "a chat account not in the roster won no order; its sessions count for nobody"
    ),
    "W302": _warning("no chat session starts in the month paid"),
    "W303": _warning("no paid order falls in the month paid"),
    "W304": _warning("an ignore_accounts entry is a roster person's agent_id or chat_nick"),
    "W305": _warning("an ignore_accounts entry is no chat account of the month"),
    "W400": _warning("a workbook's summary rows (汇总, 合计, 均值 …) were left out"),
    "W405": _warning(
        "agent report: an account not in the roster, without sales; its figures count for nobody"
    ),
    "W406": _warning(
        "agent report beside chats and orders: a figure of an agent differs beyond"
        " [inputs] report_tolerance"
    ),
    "W407": _warning(
        "agent report beside chats and orders: a person with chats or orders has no report row"
    ),
    "W408": _warning("agent report: a roster agent employed in the month has no row (figures 0)"),
    "W409": _warning(
        "agent report: read from a file not named agent_report.*, found by its header"
    ),
    # -- O: output files
    "O100": _error("an output file already exists (pass --force to replace it)"),
    "O101": _error("the output files cannot be written"),
    "O102": _error("an output file would replace one of the month's input files"),
    "O103": _error("output files committed without a ledger could not all be moved in yet"),
    # -- L: the ledger
    "L100": _error("the month is not in the ledger"),
    "L101": _error("the month is sealed; reopen it (csincentive reopen) before a new run"),
    "L102": _error("the month is already sealed"),
    "L103": _error("the ledger cannot be written"),
    "L104": _error("several schemes (or shops) in the ledger have the month; say which"),
    "L105": _error("the month is open, so there is nothing to reopen"),
    "L106": _error("a month is reopened without a reason"),
    "L107": _error("another run is writing the month now (the lock names it)"),
    "L108": _error("a committed run is not moved into place yet (its journal names what is left)"),
    "L110": _error(
        "last_month/change: the ledger's last month did not pay a person hired before this"
        " month, and the call gives no fallback"
    ),
    "L113": _error("net pay: earlier months of the year are neither in the ledger nor in ytd.csv"),
    "L114": _error("net pay: an earlier month in the ledger was run without [statutory]"),
    "L115": _error("net pay: a ytd.csv row for a person the ledger already paid this year"),
    # -- U: command-line usage
    "U100": _error("--by names no metric, component or total"),
    "U101": _error("no such person in the roster (or a name shared by several)"),
    "U120": _error("payslips of a sealed month whose inputs or rules now pay a line differently"),
    "U121": _error("init --from names no shipped scheme"),
    "U122": _error("init: the folder is not named like a month and no --month is given"),
    "U123": _error("init: a file the starter would write exists already (pass --force)"),
    # -- G: the quarterly grade review
    "G100": _error("the rules file has no [grades] table"),
    "G101": _error("the review needs months the ledger does not have"),
    "G102": _error("a figure the review reads is not in the ledger's month"),
    # -- X: what no check foresaw
    "X000": _error("an unexpected error: a bug in csincentive; please report it"),
}

GROUPS = {
    "E": "Rules files",
    "D": "Data files of the month",
    "T": "Statutory policy files and [statutory] (social insurance, housing fund)",
    "W": "Warnings (the month is still paid)",
    "O": "Output files",
    "L": "The ledger",
    "U": "Command-line usage",
    "G": "The quarterly grade review",
    "X": "Unexpected errors (a bug)",
}


class UnregisteredCode(ValueError):
    """A Diagnostic with a code missing from CODES: raised only while the tests run."""


def _accept_unregistered(code: str) -> None:
    """A user's run never fails over a code missing from the table: the message itself
    still says what is wrong and what to do. The tests install ``refuse_unregistered``
    (tests/conftest.py), so a new code that was not registered fails there."""


def refuse_unregistered(code: str) -> None:
    raise UnregisteredCode(f"diagnostic code {code!r} is not registered in CODES")


on_unregistered: Callable[[str], None] = _accept_unregistered


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input or rules file.

    Rendered as ``file:line:col: CODE path: message`` (beancount style) so an editor can
    jump to it. ``line`` is 1-based; ``col`` is 1-based or None when only the line is known.
    For CSV inputs the line is the physical line in the file (the header is line 1). In a
    workbook (``sheet`` set) the line is the sheet's row and the column its column, and the
    place reads as Excel names a cell: ``agents.xlsx:工资表!C12`` (``!12`` for a row).
    """

    file: str
    message: str
    code: str = "E000"
    line: int | None = None
    col: int | None = None
    path: str = ""
    severity: Severity = "error"
    sheet: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            on_unregistered(self.code)

    def render(self) -> str:
        location = self.file
        if self.sheet:
            location += f":{self.sheet}!{_cell(self.line, self.col)}"
        elif self.line is not None:
            location += f":{self.line}"
            if self.col is not None:
                location += f":{self.col}"
        subject = f"{self.code} {self.path}: " if self.path else f"{self.code} "
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{location}: {prefix}{subject}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            **({"sheet": self.sheet} if self.sheet else {}),
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
        }


def _cell(row: int | None, col: int | None) -> str:
    """A sheet's cell as Excel writes it: C12; the row alone (12) without a column."""
    letters = ""
    number = col or 0
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row if row is not None else ''}"


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


def errors_page() -> str:
    """docs/errors.md: every code, grouped by its letter, with its severity and meaning."""
    out = [
        "# Diagnostic codes",
        "",
        "Every problem csincentive reports carries one of these codes, as in",
        "`rules/x.toml:12:5: E103 components.commission.rate: …`. Errors stop the month",
        "(exit 1, nothing written); warnings are shown and the month is still paid.",
        "This page is generated: `python -m csincentive.core.diagnostics > docs/errors.md`.",
    ]
    for letter, title in GROUPS.items():
        out += ["", f"## {letter}: {title}", "", "| code | severity | meaning |", "|---|---|---|"]
        out += [
            f"| {code} | {entry.severity} | {entry.meaning} |"
            for code, entry in CODES.items()
            if code.startswith(letter)
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(errors_page(), end="")
