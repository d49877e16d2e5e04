"""What a rules file may include (issue 11, item 6): a relative path to a .toml file in the
folder of the top-level rules file or below it. Anything else is refused at the include's
file:line (E108) before the file is opened; `RuleSet.files`, the files a month was paid
by, lists what was read."""

from __future__ import annotations

import builtins
import io
import os
import pathlib
from pathlib import Path
from typing import Any

import pytest

from csincentive.core.diagnostics import InputError
from csincentive.rules.loader import check_rules, load_rules

SCHEME = '[scheme]\nid = "t"\nname = "T"\nvalid_from = "2026-01-01"\n'
BASE = '[components.base]\nlabel = "底薪"\nkind = "formula"\nexpr = "2500"\n'
FINE = '[components.fine]\nlabel = "罚款"\nkind = "formula"\nexpr = "10"\ndeduct = true\n'

ABSOLUTE = (
    "is an absolute path; an include is a path relative to this file,"
    ' like "fines.toml" or "shared/fines.toml"'
)
OUTSIDE = (
    "leads out of the folder of the top-level rules file; an include must be in that"
    " folder or below it (copy the file there)"
)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path opened by whichever door, resolved (a file can be recorded by two:
    Path.open calls io.open); a test clears it once its own files are written."""
    seen: list[str] = []

    def record(file: Any) -> None:
        if isinstance(file, (str, os.PathLike)):
            seen.append(str(Path(file).resolve()))

    def recording(real: Any) -> Any:
        def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
            record(file)
            return real(file, *args, **kwargs)

        return open_

    monkeypatch.setattr(builtins, "open", recording(builtins.open))
    monkeypatch.setattr(io, "open", recording(io.open))
    real_path_open = pathlib.Path.open
    monkeypatch.setattr(
        pathlib.Path,
        "open",
        lambda self, *a, **k: (record(self), real_path_open(self, *a, **k))[1],
    )
    return seen


def main_file(folder: Path, includes: str) -> Path:
    path = folder / "main.toml"
    path.write_text(f"include = [{includes}]\n" + SCHEME + BASE, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/etc/passwd", f"'/etc/passwd' {ABSOLUTE}"),
        ("../../../etc/passwd", f"'../../../etc/passwd' {OUTSIDE}"),
        ("../fines.toml", f"'../fines.toml' {OUTSIDE}"),
        ("shared/../../fines.toml", f"'shared/../../fines.toml' {OUTSIDE}"),
        ("C:\\\\rules\\\\fines.toml", f"'C:\\rules\\fines.toml' {ABSOLUTE}"),
        ("//server/share/fines.toml", f"'//server/share/fines.toml' {ABSOLUTE}"),
        ("fines.txt", "'fines.txt' is not a .toml file; only rules files can be included"),
        ("notes", "'notes' is not a .toml file; only rules files can be included"),
        ("", "'' is not a file name; write the path of a .toml file"),
    ],
)
def test_an_include_outside_the_rules_is_refused_unopened(
    tmp_path: Path, opened: list[str], name: str, message: str
):
    main = main_file(tmp_path, f'"{name}"')
    opened.clear()
    [d] = check_rules(main)[1]
    # `include = ["…"]`: the string starts at col 12 of line 1.
    assert (d.file, d.line, d.col, d.code, d.path) == (str(main), 1, 12, "E108", "include[0]")
    assert d.message == message
    assert set(opened) == {str(main.resolve())}  # the rules file itself, and nothing it names


def test_the_real_passwd_is_never_parsed(tmp_path: Path, opened: list[str]):
    """What issue 11 found: both spellings opened /etc/passwd and reported its first line
    as a TOML error. Now the refusal is in the rules file, and passwd is not opened."""
    main = main_file(tmp_path, '"/etc/passwd", "../../../../../../../../etc/passwd"')
    opened.clear()
    with pytest.raises(InputError) as caught:
        load_rules(main)
    assert [(d.file, d.code, d.path) for d in caught.value.diagnostics] == [
        (str(main), "E108", "include[0]"),
        (str(main), "E108", "include[1]"),
    ]
    assert set(opened) == {str(main.resolve())}


def test_includes_may_go_down_and_back_up_inside_the_folder(tmp_path: Path, opened: list[str]):
    # main.toml → shared/fines.toml → ../common.toml (the top folder's common.toml).
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "fines.toml").write_text('include = ["../common.toml"]\n' + FINE)
    (tmp_path / "common.toml").write_text("[params]\nrate = 1\n", encoding="utf-8")
    main = main_file(tmp_path, '"shared/fines.toml", "./shared/../common.toml"')
    opened.clear()
    rules, diagnostics = check_rules(main)
    assert diagnostics == [] and rules is not None
    assert list(rules.components) == ["fine", "base"]
    # What the ledger's manifest lists, recorded while loading: each file once, resolved.
    assert rules.files == (
        main.resolve(),
        (tmp_path / "shared" / "fines.toml").resolve(),
        (tmp_path / "common.toml").resolve(),
    )
    assert set(opened) == set(map(str, rules.files))  # each opened once, by that name


def test_a_nested_include_may_not_climb_past_the_top_level_folder(
    tmp_path: Path, opened: list[str]
):
    # shared/fines.toml may reach the top folder (../) but not its parent (../../), even
    # though ../../x.toml exists: the folder of main.toml is the boundary, not the file's.
    (tmp_path / "scheme" / "shared").mkdir(parents=True)
    (tmp_path / "x.toml").write_text(FINE, encoding="utf-8")
    fines = tmp_path / "scheme" / "shared" / "fines.toml"
    fines.write_text('include = ["../../x.toml"]\n' + FINE, encoding="utf-8")
    main = main_file(tmp_path / "scheme", '"shared/fines.toml"')
    opened.clear()
    [d] = check_rules(main)[1]
    assert (d.file, d.line, d.code, d.message) == (
        str(tmp_path / "scheme" / "shared" / "fines.toml"),
        1,
        "E108",
        f"'../../x.toml' {OUTSIDE}",
    )
    assert set(opened) == {str(main.resolve()), str(fines.resolve())}


def test_the_boundary_is_the_top_level_file_given_relatively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # `csincentive run … --rules scheme/main.toml` from the scheme's parent: same rule.
    (tmp_path / "scheme").mkdir()
    (tmp_path / "fines.toml").write_text(FINE, encoding="utf-8")
    main_file(tmp_path / "scheme", '"../fines.toml"')
    monkeypatch.chdir(tmp_path)
    [d] = check_rules(Path("scheme/main.toml"))[1]
    assert (d.file, d.code) == (str(Path("scheme/main.toml")), "E108")
