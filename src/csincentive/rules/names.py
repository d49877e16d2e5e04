"""The names one rule set gives a formula on top of the built-ins: its parameters, events,
manual inputs, extra roster fields and components, each with the unit it is shown in."""

from __future__ import annotations

from csincentive.core.names import BUILTIN, Name, Unit
from csincentive.rules.kinds.base import companion_name
from csincentive.rules.model import RuleSet


def companions(rules: RuleSet) -> dict[str, tuple[str, Name]]:
    """Each value a component gives beside its amount (a scorecard's grade, kpi_grade), by
    the name a formula reads it by: the component's id and the name's unit and meaning."""
    return {
        companion_name(cid, suffix): (cid, Name(companion_name(cid, suffix), unit, meaning))
        for cid, component in rules.components.items()
        for suffix, (unit, meaning) in component.companions().items()
    }


def scheme_names(rules: RuleSet) -> dict[str, Name]:
    """Every name a formula of this rule set can use, with its unit: the built-ins, the
    parameters, the declared events (count and <event>_amount), manual inputs, extra roster
    fields and the components themselves."""
    names = dict(BUILTIN)
    for param in rules.params:
        unit: Unit = "ratio" if param in rules.percent_params else "number"
        names[param] = Name(param, unit, "parameter")
    for event, spec in rules.events.items():
        names[event] = Name(event, "count", f"occurrences of {spec.label} this month")
        names[f"{event}_amount"] = Name(f"{event}_amount", "money", f"amounts of {spec.label}")
    names.update({m: Name(m, "number", "manual input (inputs.csv)") for m in rules.inputs.manual})
    fields = rules.inputs.roster_fields.items()
    names.update({f: Name(f, kind, "roster field") for f, kind in fields})
    for cid, component in rules.components.items():
        unit = "money" if component.pay else "number"
        if component.format:
            unit = "ratio" if component.format == "percent" else component.format
        names[cid] = Name(cid, unit, component.label)
    names.update({name: spec for name, (_, spec) in companions(rules).items()})
    return names
