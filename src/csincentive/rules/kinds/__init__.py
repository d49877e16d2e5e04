"""The registry of component kinds: the one list the rules model (the union of components a
rules file may hold), the checks and the pay engine all take the kinds from.

A new kind is one module here — its pydantic model, its compile to Polars, its checks and
what it records for explanations, bundled as ``KIND`` — plus its line in ``KINDS`` (and its
name in the import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from csincentive.rules.kinds import (
    award,
    formula,
    ladder,
    marginal,
    match,
    matrix,
    pool,
    rank,
    rate,
    scorecard,
    table,
)
from csincentive.rules.kinds.base import ComponentBase, Kind

KINDS: tuple[Kind, ...] = (
    formula.KIND,
    rate.KIND,
    table.KIND,
    marginal.KIND,
    match.KIND,
    rank.KIND,
    ladder.KIND,
    award.KIND,
    matrix.KIND,
    scorecard.KIND,
    pool.KIND,
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
KIND_NAMES: tuple[str, ...] = tuple(BY_NAME)
_BY_MODEL: dict[type[ComponentBase], Kind] = {kind.model: kind for kind in KINDS}

if TYPE_CHECKING:
    Component = ComponentBase
else:  # the discriminated union of every registered model, told apart by `kind`
    models = tuple(kind.model for kind in KINDS)
    Component = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (built)


def kind_of(component: ComponentBase) -> Kind:
    """The registry entry of a component."""
    return _BY_MODEL[type(component)]


__all__ = ["KINDS", "KIND_NAMES", "BY_NAME", "Component", "kind_of"]
