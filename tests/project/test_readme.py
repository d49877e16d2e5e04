"""The README's library example runs as written (in a copy of the example month and the
rules, so nothing lands in the repository) and does what the text around it says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _library_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Library use") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_library_example_computes_publishes_and_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # Without the out/ that a run of the example may have left (the README's first command).
    example = tmp_path / "examples" / "2026-10"
    shutil.copytree(ROOT / "examples" / "2026-10", example, ignore=shutil.ignore_patterns("out"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    exec(compile(_library_example(), "README.md", "exec"), {})
    out = tmp_path / "examples" / "2026-10" / "out"
    assert (out / "payroll.csv").is_file() and (out / "payroll.xlsx").is_file()
    assert (tmp_path / "ledger").is_dir() and any((tmp_path / "ledger").rglob("manifest.json"))
    assert "A002" in capsys.readouterr().out
