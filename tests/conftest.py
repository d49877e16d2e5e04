"""Every test runs in its own empty folder with its own cache of parsed exports, so a
command's default ./ledger (or any other relative path) never lands in the repository and
nothing leaks between tests. While the tests run, a Diagnostic with a code that is not
registered in csincentive.core.diagnostics.CODES fails (a user's run only shows it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csincentive.core import diagnostics


@pytest.fixture(autouse=True)
def _run_in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CSINCENTIVE_CACHE", str(tmp_path / ".parsed-cache"))


@pytest.fixture(autouse=True)
def _refuse_unregistered_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diagnostics, "on_unregistered", diagnostics.refuse_unregistered)
