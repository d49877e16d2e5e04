"""A statutory policy: a city's social insurance and housing fund figures as dated data
(OpenFisca style), one TOML file per city, every figure with its source.

```toml
[policy]
id = "example"
name = "示例城市职工社会保险和住房公积金"
source = "where every figure comes from"

[[periods]]
valid_from = "2025-07-01"
si_base = { floor = 7000, cap = 35000 }
hf_base = { floor = 2700, cap = 35000 }
employee = { pension = "8%", medical = "2%", unemployment = "0.5%", housing_fund = "7%" }
employer = { pension = "16%", medical = "10%", unemployment = "0.5%", injury = "0.2%",
             housing_fund = "7%" }
hf_rate = { min = "5%", max = "12%" }
rounding = { default = "fen", housing_fund = "yuan" }
medical_fixed = 3       # optional: a fixed amount on top of the employee's medical share
```

A month is computed by the period in force on its first day: the latest ``valid_from`` on or
before it. A month before every period is an error naming the policy and the month, never a
guess (T109). Every problem in a policy file is a Diagnostic at its file:line:col."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.core.locate import SourceMap, dotted
from csincentive.core.money import D
from csincentive.core.month import Month

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ITEMS = ("pension", "medical", "unemployment", "injury", "maternity", "housing_fund")
Rounding = Literal["fen", "yuan"]


def _rate(value: Any) -> Decimal:
    """ "8%" (exactly 0.08) or 0.08; between 0 and 1, at most 10 places."""
    text = str(value).strip() if not isinstance(value, bool) else "?"
    try:
        rate = D(text[:-1]) / 100 if text.endswith("%") else D(text)
    except InvalidOperation:
        raise ValueError(f'not a rate: {value!r}; write "8%" or 0.08') from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError(f'a rate is between 0% and 100%, not {value!r}; write "8%" or 0.08')
    if rate != round(rate, 10):
        raise ValueError(f"{value!r} has more than 10 decimal places")
    return rate


def _amount(value: Any) -> Decimal:
    """A non-negative amount in yuan, at most to the fen."""
    try:
        amount = D(value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}; write 7460 or 7460.50") from None
    if not amount.is_finite() or amount < 0 or amount >= 10**12:
        raise ValueError(f"an amount is between 0 and 10^12 yuan, not {value!r}")
    if amount != round(amount, 2):
        raise ValueError(f"{value!r} is finer than the fen; write at most 2 decimal places")
    return amount


Rate = Annotated[Decimal, BeforeValidator(_rate)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Strict):
    """A contribution base's floor and cap (缴费基数下限/上限), per month."""

    floor: Amount
    cap: Amount


class EmployeeRates(_Strict):
    pension: Rate
    medical: Rate
    unemployment: Rate
    housing_fund: Rate  # the default rate; a person's hf_rate (agents.csv) replaces it


class EmployerRates(_Strict):
    pension: Rate
    medical: Rate
    unemployment: Rate
    injury: Rate = Decimal(0)
    maternity: Rate = Decimal(0)  # most cities merged it into medical insurance
    housing_fund: Rate  # a person's hf_rate replaces it too: both sides pay the same rate


class RateRange(_Strict):
    min: Rate
    max: Rate


class RoundingRules(_Strict):
    """How each contribution is rounded (half-up): to the fen unless the city says yuan."""

    default: Rounding = "fen"
    pension: Rounding | None = None
    medical: Rounding | None = None
    unemployment: Rounding | None = None
    injury: Rounding | None = None
    maternity: Rounding | None = None
    housing_fund: Rounding | None = None

    def of(self, item: str) -> Rounding:
        value: Rounding | None = getattr(self, item)
        return self.default if value is None else value


class Period(_Strict):
    """The figures in force from ``valid_from`` (the first day of a month) on."""

    valid_from: dt.date
    note: str = ""
    si_base: Bounds
    hf_base: Bounds
    employee: EmployeeRates
    employer: EmployerRates
    hf_rate: RateRange | None = None  # the rates a person may choose; default: only the one
    rounding: RoundingRules = RoundingRules()
    medical_fixed: Amount = Decimal(0)  # on top of the employee's medical share (Beijing: 3)

    @property
    def hf_range(self) -> RateRange:
        rate = self.employee.housing_fund
        return self.hf_rate if self.hf_rate is not None else RateRange(min=rate, max=rate)


class Header(_Strict):
    id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]


class Policy(_Strict):
    policy: Header
    periods: Annotated[list[Period], Field(min_length=1)]
    file: str = Field(default="", exclude=True)  # where it was read, for messages

    @property
    def id(self) -> str:
        return self.policy.id

    def in_force(self, month: Month) -> Period:
        """The period in force on the month's first day: the latest valid_from on or before
        it. None in force is an error naming the policy and the month (T109)."""
        first = month.first_day
        started = [p for p in self.periods if p.valid_from <= first]
        if not started:
            earliest = min(p.valid_from for p in self.periods)
            message = (
                f"policy '{self.id}' has no period in force in {month} (its first period starts"
                f" {earliest}); add a [[periods]] entry with valid_from on or before"
                f" {first} from the figures published for that month"
            )
            raise InputError([Diagnostic(self.file, message, "T109", 1, 1, "periods")])
        return max(started, key=lambda p: p.valid_from)


# ------------------------------------------------------------------------------- loading


def load_policy(path: str | Path) -> Policy:
    """A policy file, checked: any problem raises one InputError carrying every one."""
    display = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        raise InputError(
            [Diagnostic(display, f"cannot read the policy: {reason}", "T100")]
        ) from None
    try:
        data = tomllib.loads(text, parse_float=D)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([_syntax(display, exc)]) from None
    source = SourceMap.from_text(text)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise InputError(_shape(display, source, exc.errors())) from None
    problems = _meaning(display, source, policy)
    if problems:
        raise InputError(problems)
    return policy.model_copy(update={"file": display})


_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _syntax(display: str, exc: Exception) -> Diagnostic:
    """tomllib before 3.14 puts the position only in its message: "… (at line 3, column 7)"."""
    raw = getattr(exc, "msg", None) or str(exc)
    line: int | None = getattr(exc, "lineno", None)
    col: int | None = getattr(exc, "colno", None)
    where = _WHERE.search(raw)
    if where:
        raw, line, col = raw[: where.start()], int(where.group(1)), int(where.group(2))
    return Diagnostic(display, f"TOML syntax: {raw}", "T101", line, col)


def _shape(display: str, source: SourceMap, errors: list[Any]) -> list[Diagnostic]:
    out: dict[tuple[str | int, ...], Diagnostic] = {}
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    for err in errors:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        if loc in out:
            continue
        line, col = source.position(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            code, message = "T102", _unknown(loc, missing)
        elif kind == "missing":
            code, message = "T103", f"required key '{loc[-1]}' is missing; add {loc[-1]} = … here"
        else:
            code = "T104"
            message = str(err["msg"]).removeprefix("Value error, ")
            if kind.startswith("date"):
                message = f"not a date: {err.get('input')!r}; write a date like 2025-07-01"
            elif kind == "literal_error":
                message = f'{err.get("input")!r} is not a rounding; write "fen" or "yuan"'
        out[loc] = Diagnostic(display, message, code, line, col, dotted(loc))
    # `employe = …` is T102 (did you mean 'employee'?) and T103 (employee is missing): the
    # first already says what to do.
    hinted = {
        (*loc[:-1], m.group(1))
        for loc, d in out.items()
        if d.code == "T102" and (m := re.search(r"did you mean '([^']+)'", d.message))
    }
    kept = [d for loc, d in out.items() if not (d.code == "T103" and loc in hinted)]
    return sorted(kept, key=lambda d: (d.line or 0, d.col or 0))


def _unknown(loc: tuple[str | int, ...], missing: set[tuple[Any, ...]]) -> str:
    """Did you mean …: a key that is missing here first (`employe` is `employee` when that
    is missing, though `employer` is as close), then any key allowed here."""
    model: type[BaseModel] | None = Policy
    for part in loc[:-1]:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        model = next(
            (
                a
                for a in (annotation, *getattr(annotation, "__args__", ()))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
    allowed = [k for k in (model.model_fields if model else {}) if k != "file"]
    absent = [str(m[-1]) for m in missing if m[:-1] == loc[:-1]]
    hint = difflib.get_close_matches(str(loc[-1]), absent, n=1) or difflib.get_close_matches(
        str(loc[-1]), allowed, n=1
    )
    message = f"unknown key '{loc[-1]}'" + (f"; did you mean '{hint[0]}'?" if hint else ".")
    return message + (f" Allowed keys here: {', '.join(sorted(allowed))}." if allowed else "")


def _meaning(display: str, source: SourceMap, policy: Policy) -> list[Diagnostic]:
    """What the shape cannot say: periods start on the first of a month, once each; a floor
    is not above its cap; the default housing fund rate is within the range."""
    out: list[Diagnostic] = []
    seen: dict[dt.date, int] = {}

    def at(*loc: str | int) -> tuple[int, int, str]:
        return (*source.position(loc), dotted(loc))

    for i, period in enumerate(policy.periods):
        day = period.valid_from
        if day.day != 1:
            message = f"a period starts on the first day of a month; write {day:%Y-%m}-01"
            out.append(Diagnostic(display, message, "T105", *at("periods", i, "valid_from")))
        if day in seen:
            message = f"periods[{seen[day]}] starts on the same day; keep one of the two"
            out.append(Diagnostic(display, message, "T106", *at("periods", i, "valid_from")))
        seen.setdefault(day, i)
        for key in ("si_base", "hf_base"):
            bounds: Bounds = getattr(period, key)
            if bounds.floor > bounds.cap:
                message = f"the floor {bounds.floor} is above the cap {bounds.cap}; swap them?"
                out.append(Diagnostic(display, message, "T107", *at("periods", i, key)))
        span = period.hf_range
        rate = period.employee.housing_fund
        if span.min > span.max or not span.min <= rate <= span.max:
            message = (
                f"the housing fund rate {_percent(rate)} must lie within hf_rate"
                f" [{_percent(span.min)}, {_percent(span.max)}] (min ≤ max)"
            )
            where = at("periods", i, "hf_rate" if period.hf_rate else "employee")
            out.append(Diagnostic(display, message, "T108", *where))
    return out


def _percent(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')}%"


# ---------------------------------------------------------------- a rules file's policy


def policy_problems(rules_file: str | Path, name: str) -> list[Diagnostic]:
    """Every problem of the policy ``[statutory] policy = name`` of a rules file names
    (where it points, and the file itself), for `validate`; none when it is sound."""
    try:
        load_policy(policy_path(rules_file, name))
    except InputError as error:
        return list(error.diagnostics)
    return []


def policy_path(rules_file: str | Path, name: str) -> Path:
    """Where `[statutory] policy = name` points, for the rules file that writes it: a
    shipped id ("shanghai") is ``statutory/<id>.toml`` beside the rules file (rules/statutory/
    in this repository); a name ending in .toml is a path relative to the rules file, inside
    its folder (as includes are: a scheme is a folder a shop copies whole). A name that is
    neither, or a path leaving the folder, is an error at the rules file's line."""
    rules_file = Path(rules_file)
    where = _rules_position(rules_file)
    if not name.endswith(".toml"):
        if not name.replace("-", "").replace("_", "").isalnum():
            message = (
                f"'{name}' is neither a shipped policy id (letters, digits, - and _) nor a path"
                ' to a .toml file; write e.g. policy = "shanghai" or policy = "my-city.toml"'
            )
            raise InputError([Diagnostic(str(rules_file), message, "T110", *where)])
        path = rules_file.parent / "statutory" / f"{name}.toml"
        if not path.is_file():
            shipped = sorted(p.stem for p in path.parent.glob("*.toml"))
            hint = difflib.get_close_matches(name, shipped, n=1)
            message = f"no shipped policy '{name}' (no {path})" + (
                f"; did you mean '{hint[0]}'?" if hint else ""
            )
            message += (
                f" Shipped: {', '.join(shipped)}." if shipped else " No policy is shipped here."
            )
            message += " Or write the city's figures in a file and give its path."
            raise InputError([Diagnostic(str(rules_file), message, "T110", *where)])
        return path
    if _climbs_or_absolute(name):
        message = (
            f"'{name}' must be a path relative to the rules file, inside its folder (no"
            " absolute path, no '..' out of it)"
        )
        raise InputError([Diagnostic(str(rules_file), message, "T111", *where)])
    return rules_file.parent / name


def _climbs_or_absolute(name: str) -> bool:
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or "\\" in name:
        return True
    depth = 0
    for part in PurePosixPath(name).parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return True
    return False


def _rules_position(rules_file: Path) -> tuple[int | None, int | None, str]:
    try:
        source = SourceMap.from_text(rules_file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None, None, "statutory.policy"
    line, col = source.value_position(("statutory", "policy"))
    return line, col, "statutory.policy"
