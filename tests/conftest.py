"""Every test runs in its own empty folder with its own cache of parsed exports, so a
command's default ./ledger (or any other relative path) never lands in the repository and
nothing leaks between tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _run_in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CSINCENTIVE_CACHE", str(tmp_path / ".parsed-cache"))
