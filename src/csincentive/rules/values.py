"""The value types every table of a rules file is made of: exact numbers ("40%" is exactly
0.4, never via float), formula text, a fixed amount or a parameter's name, and the strict
model that turns an unknown key into an error (so a typo never silently drops a rule)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from csincentive.core.money import D


def parse_number(value: Any) -> Decimal:
    """1, 1.5, "1.5" and "40%" (exactly 0.4) — never via float."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            if text.endswith("%"):
                return D(text[:-1]) / 100
            return D(text)
        except InvalidOperation:
            raise ValueError(f'not a number: {value!r} (write 2500, 1.5 or "40%")') from None
    try:
        return D(value)
    except (InvalidOperation, ValueError):
        raise ValueError(f'not a number: {value!r} (write 2500, 1.5 or "40%")') from None


Number = Annotated[Decimal, BeforeValidator(parse_number)]
FormulaText = Annotated[str, Field(min_length=1)]
NumberOrFormula = Number | FormulaText
# A fixed amount: a number, or the name of a parameter (so a blank in the seed stays a
# parameter the shop sets once).
NumberOrParam = Number | Annotated[str, Field(pattern=r"^[^\W\d]\w*$")]
Display = Literal["money", "percent", "number", "points"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
