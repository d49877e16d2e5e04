"""The write-ahead journal that makes publishing a month one step: its payroll files in out/
and its folder in the ledger move in together, or not at all, whenever the run is killed.

A month is published in three parts, and only the middle one is the commit::

    1. staged     everything is written beside where it goes, nothing visible moves:
                  out/.csincentive-<id>/       the payroll files (month.publish)
                  <scheme>/.staging-<period>-<id>/   the ledger's tables, history, manifest
                  <scheme>/.publish-<period>.json    this journal, "state": "staged",
                                                     naming both folders and the files
    2. committed  the journal is rewritten with "state": "committed" — one os.replace of a
                  small file, atomic on every file system we run on: the commit point
    3. finished   the staged files are moved into out/ (os.replace each), the month folder
                  is swapped in (the old one renamed aside, the staged one renamed into its
                  place), then the staging folders, the old month and the journal go

Every step of 3 can be done again (a file already moved is no longer in staging, a swap
already made has no staging folder left), so finishing is the same code whether the run
does it or the next one. Whoever next takes the month's lock (ledger.lock: a live run holds
it, a dead one does not) reads the journal: "committed" → finish (roll forward), anything
else → remove the staged folders (roll back). A run killed before the commit leaves the old
month and the old files, complete; one killed after it leaves the new month, finished by the
next run or the next command that opens the ledger. out/ keeps plain files at their paths
(out/ may be the period folder itself, with the exports beside the payroll, so it is never
swapped as a folder): between the commit and the last move — microseconds while the run
lives, or until the ledger is opened again after a kill — a reader of out/ alone can see
some files of the new run beside others of the old; the journal says which.

Without a ledger (--no-ledger) the journal is ``.publish.json`` inside the out staging
folder and has no month part; month.publish finishes or removes what it finds in out/ at
the start of the next publish there. Staging folders in out/ carry the path of their journal
(``.journal``) and a lock of their own, held while their run writes, so a publish into the
same folder never takes away the files of a run still writing them.

This is safe against the process dying at any moment (killed, out of memory, the terminal
closed). Against a power cut it is as safe as the file system's ordering of a rename after
the writes before it (ext4, XFS, APFS and NTFS keep it for a replace by rename; nothing is
fsync'ed, which would cost a large month seconds)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csincentive.core.diagnostics import InputError

PREFIX = ".publish-"  # <scheme folder>/.publish-<period>.json
STAGED = "staged"
COMMITTED = "committed"
ASIDE = ".replaced-"  # in a staging folder: a folder of the out folder its files replace


@dataclass(frozen=True)
class FileMove:
    """Files written into a staging folder, to be moved into the folder it sits in."""

    staged: Path
    into: Path
    names: tuple[str, ...]
    # Files an earlier run may have left that this run's files retire (attribution.csv
    # when this run writes attribution.parquet): removed with the move, so out/ never
    # holds a per-order file of another run beside this run's payroll.
    retired: tuple[str, ...] = ()

    def apply(self) -> None:
        for name in self.names:
            source = self.staged / name
            if source.exists():  # not moved yet (an earlier attempt may have moved it)
                target = self.into / name
                if source.is_dir() and target.is_dir():
                    # A folder of files (payslips/) cannot be renamed over another: the old
                    # one is set aside in the staging folder, which goes once all is moved.
                    os.replace(target, self.staged / f"{ASIDE}{name}")
                os.replace(source, target)
        for name in self.retired:
            (self.into / name).unlink(missing_ok=True)


@dataclass(frozen=True)
class FolderSwap:
    """A staged month folder to take the place of the month folder (if there is one)."""

    staged: Path
    into: Path
    aside: Path  # where the replaced month waits, as aside/month, until it is removed

    def apply(self) -> None:
        if not self.staged.is_dir():  # swapped in already
            return
        if self.into.exists():
            self.aside.mkdir(exist_ok=True)
            os.rename(self.into, self.aside / "month")
        os.rename(self.staged, self.into)


@dataclass(frozen=True)
class Journal:
    """What a publication moves: its files into out/, its month into the ledger."""

    path: Path
    files: FileMove | None = None
    month: FolderSwap | None = None

    def write(self, state: str) -> None:
        """The journal in ``state``, replacing any earlier one in one rename: written as
        "committed", this is the commit point of the publication."""
        text = json.dumps({"state": state, **self._parts()}, ensure_ascii=False, indent=2)
        temporary = _temporary(self.path)
        temporary.write_text(text + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def finish(self) -> None:
        """Roll forward: make every move not made yet, then clean up (the journal last, so
        an interruption anywhere leaves a journal that finishes the rest)."""
        if self.files is not None:
            self.files.apply()
        if self.month is not None:
            self.month.apply()
        self._clean()

    def abandon(self) -> None:
        """Roll back: nothing has moved before the commit, so the staged folders go. Best
        effort: whatever is left is removed by the next recovery."""
        self._clean()

    def _clean(self) -> None:
        for part in (self.files, self.month):
            if part is not None:
                shutil.rmtree(part.staged, ignore_errors=True)
        if self.month is not None:
            shutil.rmtree(self.month.aside, ignore_errors=True)
        for path in (self.path, _temporary(self.path)):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass  # the next recovery finds a journal with nothing left to do

    def _parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        if self.files is not None:
            files = self.files
            parts["files"] = {
                "staged": str(files.staged),
                "into": str(files.into),
                "names": list(files.names),
                "retired": list(files.retired),
            }
        if self.month is not None:
            month = self.month
            parts["month"] = {
                "staged": str(month.staged),
                "into": str(month.into),
                "aside": str(month.aside),
            }
        return parts


def journal_path(folder: Path, period: str) -> Path:
    """The journal of a month's publication, in its scheme's folder."""
    return Path(folder).absolute() / f"{PREFIX}{period}.json"


def read(path: Path) -> tuple[str, Journal] | None:
    """The journal's state and its moves; None when there is none. L108 when it cannot be
    read (it is written by rename, so only a hand or a failing disk can break it)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        files, month = data.get("files"), data.get("month")
        journal = Journal(
            path,
            files=None
            if files is None
            else FileMove(
                Path(files["staged"]),
                Path(files["into"]),
                tuple(files["names"]),
                tuple(files.get("retired", ())),  # (older journals have none)
            ),
            month=None
            if month is None
            else FolderSwap(Path(month["staged"]), Path(month["into"]), Path(month["aside"])),
        )
        return str(data["state"]), journal
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        message = (
            f"the journal of an interrupted run cannot be read ({error}); it names the "
            "staged files of that run: check the month and its out folder, then delete it"
        )
        raise InputError.single(path, message, code="L108") from None


def settle(path: Path) -> None:
    """Finish a committed publication, or roll back one that was not (the caller holds
    the month's lock, so its run is over)."""
    found = read(path)
    if found is None:
        _temporary(path).unlink(missing_ok=True)  # killed while writing the first journal
        return
    state, journal = found
    if state == COMMITTED:
        journal.finish()
    else:
        journal.abandon()


def _temporary(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp")
