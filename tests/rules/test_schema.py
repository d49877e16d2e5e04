"""The JSON Schema of a rules file (rules/schema.py, `csincentive schema`): made from the
models, shipped beside the rules files, named by each of them in a `#:schema` line, and
accepting every shipped rules file as an editor (taplo) would read it."""

from __future__ import annotations

import sys
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT
from typer.testing import CliRunner

from csincentive.cli import app
from csincentive.rules.schema import SCHEMA_FILE, as_json_document, rules_schema, schema_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULES = sorted((ROOT / "rules").glob("*.toml"))
SCHEMA_LINE = f"#:schema ./{SCHEMA_FILE}"


def validator() -> jsonschema.Draft202012Validator:
    schema = rules_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def problems(text: str) -> list[str]:
    document = as_json_document(tomllib.loads(text))
    return sorted(
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator().iter_errors(document)
    )


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.stem)
def test_every_shipped_rules_file_validates_against_the_schema(rules: Path):
    assert problems(rules.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.stem)
def test_every_shipped_rules_file_names_the_schema_beside_it(rules: Path):
    first = rules.read_text(encoding="utf-8").splitlines()[0]
    assert first == SCHEMA_LINE
    assert (rules.parent / SCHEMA_FILE).is_file()


def test_the_shipped_schema_is_what_the_models_give():
    """rules/csincentive.schema.json is regenerated with `csincentive schema`."""
    shipped = (ROOT / "rules" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text()


def test_the_command_prints_the_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.output == schema_text()


MINIMAL = """
[scheme]
id = "s"
name = "方案"
valid_from = 2026-01-01

[components.base]
label = "底薪"
kind = "formula"
expr = "2500"
"""


def test_a_minimal_file_passes_and_a_typo_or_a_wrong_kind_does_not():
    assert problems(MINIMAL) == []
    typo = MINIMAL.replace('label = "底薪"', 'labl = "底薪"')
    assert any("components.base" in p and "labl" in p for p in problems(typo))
    assert any("'label' is a required property" in p for p in problems(typo))
    wrong_kind = MINIMAL.replace('kind = "formula"', 'kind = "formulae"')
    assert problems(wrong_kind) != []
    bad_window = MINIMAL + "\n[attribution]\nwindow_days = 30\n"
    assert problems(bad_window) == ["attribution.window_days: 30 is greater than the maximum of 15"]


def test_roster_fields_as_a_list_or_a_table_and_dates_as_toml_dates():
    as_list = (
        MINIMAL
        + '\n[inputs]\nroster_fields = ["education", { name = "si_base", type = "money" }]\n'
    )
    as_table = MINIMAL + '\n[inputs]\nroster_fields = { si_base = "money" }\n'
    assert problems(as_list) == problems(as_table) == []
    assert problems(MINIMAL.replace("2026-01-01", '"2026-13-01"')) != []


def test_the_loaders_bookkeeping_is_not_offered_to_the_user():
    properties = rules_schema()["properties"]
    assert {"percent_params", "written", "files"}.isdisjoint(properties)
    assert {"scheme", "components", "outputs", "statutory"} <= set(properties)
