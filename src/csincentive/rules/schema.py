"""The JSON Schema of a rules file, made from the pydantic models (rules/model.py and each
kind's model in rules/kinds/), for editors: taplo and Even Better TOML complete and check a
rules file's keys when its first lines carry ``#:schema ./csincentive.schema.json``.

The models stay the one definition of a rules file; the schema only describes them, with
four corrections the models cannot say themselves: the loader's own bookkeeping
(``percent_params``, ``written``, ``files``) is never written by hand, a TOML date is a
string in JSON (``"format": "date"``), ``[inputs] roster_fields`` may also be written as a
list, and a pay range matches on any roster field written beside its keys. `csincentive
schema` prints it; ``rules/csincentive.schema.json`` is that output, kept in step by a
test. The loader, not the schema, is the judge: a file the schema accepts
may still fail a check across keys (a cycle, a gap between tiers)."""

from __future__ import annotations

import json
from typing import Any

from csincentive.rules.model import RuleSet

SCHEMA_FILE = "csincentive.schema.json"  # beside the shipped rules files
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Fields the loader fills in; a rules file never writes them.
INTERNAL = ("percent_params", "written", "files")
TITLE = "csincentive rules file"
DESCRIPTION = (
    "A pay scheme for csincentive: [scheme], [attribution], [inputs], [params], "
    "[components.<id>] (each with a kind, a label and the rule id it implements), the "
    "totals, and optionally [statutory], [outputs], [grades], [checks] and dated [[changes]]."
    " Reference: docs/rules.md."
)
# [inputs] roster_fields: a table { si_base = "money" } or a list of names and tables.
_ROSTER_FIELD_TYPES = {"type": "string", "enum": ["text", "number", "money"]}
_ROSTER_FIELDS_LIST = {
    "type": "array",
    "items": {
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {"name": {"type": "string"}, "type": _ROSTER_FIELD_TYPES},
                "required": ["name"],
                "additionalProperties": False,
            },
        ]
    },
}


def rules_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a rules file."""
    schema = RuleSet.model_json_schema(mode="validation")
    for name in INTERNAL:
        schema["properties"].pop(name, None)
    schema["$defs"].pop("Written", None)
    roster_fields = schema["$defs"]["Inputs"]["properties"]["roster_fields"]
    table = {k: v for k, v in roster_fields.items() if k in ("type", "additionalProperties")}
    for key in ("type", "additionalProperties"):
        roster_fields.pop(key, None)
    roster_fields["anyOf"] = [table, _ROSTER_FIELDS_LIST]
    _pay_range_matches(schema["$defs"])
    schema = _by_kind(schema)
    return {"$schema": DRAFT, "title": TITLE, "description": DESCRIPTION, **_without_title(schema)}


def _pay_range_matches(defs: dict[str, Any]) -> None:
    """A [[checks.pay_range]] entry matches on any roster text field written beside its own
    keys (``post = "客服代表"``, ``grade = ["高级", "资深"]``): the model gathers them into
    ``matches``, which a file never writes as such."""
    pay_range = defs.get("PayRange")
    if pay_range is None:
        return
    pay_range["properties"].pop("matches", None)
    one_or_more = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    pay_range["additionalProperties"] = one_or_more


def _by_kind(node: Any) -> Any:
    """Each ``oneOf`` told apart by a discriminator (a component by its ``kind``) as
    if/then pairs: a validator then checks the one model the kind names and says which key
    is wrong in it, where ``oneOf`` only says that none of eleven models matched."""
    if isinstance(node, list):
        return [_by_kind(item) for item in node]
    if not isinstance(node, dict):
        return node
    found = node.get("discriminator")
    if not (isinstance(found, dict) and "oneOf" in node):
        return {key: _by_kind(value) for key, value in node.items()}
    key, mapping = found["propertyName"], found["mapping"]
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"enum": sorted(mapping)}},
        "allOf": [
            {"if": {"properties": {key: {"const": kind}}}, "then": {"$ref": mapping[kind]}}
            for kind in sorted(mapping)
        ],
    }


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def schema_text() -> str:
    """The schema as `csincentive schema` prints it: keys in a fixed order, Chinese as is."""
    return json.dumps(rules_schema(), ensure_ascii=False, indent=2) + "\n"


def as_json_document(value: Any) -> Any:
    """A parsed TOML document as JSON sees it, which is what an editor validates: dates and
    times become ISO strings (the schema says "format": "date")."""
    if isinstance(value, dict):
        return {key: as_json_document(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json_document(item) for item in value]
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat) and not isinstance(value, (int, float, str, bool)):
        return isoformat()
    return value
