"""The value types every table of a rules file is made of: exact numbers ("40%" is exactly
0.4, never via float), formula text, a fixed amount or a parameter's name, and the strict
model that turns an unknown key into an error (so a typo never silently drops a rule)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from csincentive.core.money import ENGINE_SCALE, D

# The engine computes in Decimal(38, 10): 28 digits before the point, 10 after.
MAX_INTEGER_DIGITS = 38 - ENGINE_SCALE
# The error type of a number the engine cannot hold; the loader reports it as E105.
OUT_OF_RANGE = "number_out_of_range"


def out_of_range(value: Decimal, written: object) -> str | None:
    """Why the engine cannot hold `value` exactly (written as `written`), or None when it
    can. Trailing zeros are not places: 2500.000000000000 is 2500. No arithmetic, so a
    number like 1e999999 costs nothing to refuse."""
    if not value.is_finite() or value.is_zero():
        return None  # infinities and NaN are refused by the model as not finite
    shown = _shown(written)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return (
            f"{shown} is too large: a number may have at most {MAX_INTEGER_DIGITS} digits"
            " before the decimal point"
        )
    digits, exponent = value.as_tuple()[1:]
    assert isinstance(exponent, int)  # finite
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if -(exponent + trailing_zeros) > ENGINE_SCALE:
        places = f"{ENGINE_SCALE} decimal places"
        return f"{shown} has more than {places}; round it to {ENGINE_SCALE} places"
    return None


def _shown(written: object) -> str:
    """A number as the message quotes it: a 4,000-digit one is cut, with its length."""
    text = str(written).strip()
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text):,} characters)"


def parse_number(value: Any) -> Decimal:
    """1, 1.5, "1.5" and "40%" (exactly 0.4) — never via float; refused (E105) when the
    engine cannot hold it exactly."""
    number = _as_decimal(value)
    problem = out_of_range(number, value)
    if problem is not None:
        raise PydanticCustomError(OUT_OF_RANGE, problem)
    return number


def _as_decimal(value: Any) -> Decimal:
    not_a_number = f'not a number: {value!r} (write 2500, 1.5 or "40%")'
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            if not text.endswith("%"):
                return D(text)
            return _percent(D(text[:-1]), value)
        except InvalidOperation:
            raise ValueError(not_a_number) from None
    try:
        return D(value)
    except (InvalidOperation, ValueError):
        raise ValueError(not_a_number) from None


def _percent(percent: Decimal, written: object) -> Decimal:
    """`percent` / 100, exactly. A value the engine cannot hold is returned as the exact
    shift of its digits (no arithmetic, so neither rounded nor overflowing) for the caller
    to refuse; one it can hold has at most 38 digits, which a division at twice that
    precision keeps whole, with the usual representation ("40%" is 0.4)."""
    if not percent.is_finite():
        return percent
    sign, digits, exponent = percent.as_tuple()
    assert isinstance(exponent, int)  # finite
    shifted = Decimal((sign, digits, exponent - 2))
    if out_of_range(shifted, written) is not None:
        return shifted
    with localcontext() as exact:
        exact.prec = 2 * 38
        return percent / 100


Number = Annotated[Decimal, BeforeValidator(parse_number)]
FormulaText = Annotated[str, Field(min_length=1)]
NumberOrFormula = Number | FormulaText
# A fixed amount: a number, or the name of a parameter (so a blank in the seed stays a
# parameter the shop sets once).
NumberOrParam = Number | Annotated[str, Field(pattern=r"^[^\W\d]\w*$")]
Display = Literal["money", "percent", "number", "points"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
