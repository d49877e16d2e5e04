"""`csincentive schema`: the JSON Schema of a rules file, for editors."""

from __future__ import annotations


def schema() -> None:
    """Print the JSON Schema of a rules file (from the rules models), for editor support.

    Save it beside your rules file and put `#:schema ./csincentive.schema.json` at the top
    of the file (the shipped rules files carry that line): taplo and Even Better TOML then
    complete keys, show what each means and mark a typo or a wrong type as you write. The
    shipped copy is rules/csincentive.schema.json.

    Example: csincentive schema > csincentive.schema.json
    """
    import sys

    from csincentive.rules.schema import schema_text

    sys.stdout.write(schema_text())
