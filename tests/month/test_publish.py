"""Publishing a month is atomic (issue 11, item 7): out/ and the ledger hold the old run or
the new run, complete and the same one, whatever step of publish a failure or a kill hits.

The month is tests/months/2026-10 under rules/taobao-presales.toml: the old run pays gross
12627.17 (hand-worked in test_golden_month.py); the new run is the same month with order
o03 paid 200.50 → 300.50, which raises A1's commission by 1.00 (1% of 100.00) and S1's
supervisor commission by 0.35 (worked in tests/ledger/test_ledger.py): gross 12628.52. Every change publish makes to the disk (a mkdir, a rename, a replace, a link, an
unlink, an rmdir, a file written by Python, a folder removed) is a step, counted under the
test's folder; the sweep fails or kills each step in turn:

- fail: that step raises OSError (EIO); the run's own error handling goes on as written;
- kill: that step and every later one raise Killed and change nothing, so the disk stays
  as a process killed at that moment leaves it (the kernel's release of its locks is
  modelled by releasing them); a subprocess that os._exit()s proves the model at the
  moments that matter.

After each, a reader opening the ledger must find one complete run in out/ and the same run
in the ledger — the old one if the step came before the commit, the new one after — and
the next run must succeed and leave no staging folder, journal or aside behind."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import MONTH_RULES, ROOT, D

from csincentive.core.diagnostics import InputError
from csincentive.ledger import store
from csincentive.ledger.lock import MonthLock
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.month.publish import publish, settle_out_dir
from csincentive.month.result import MonthResult
from csincentive.reports.files import payroll_files

MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored
SCHEME, PERIOD = "taobao-presales", "2026-10"
OS_CALLS = ("mkdir", "rename", "replace", "link", "unlink", "remove", "rmdir")


class Killed(BaseException):
    """The process died at this step (nothing after it reaches the disk)."""


@dataclass
class Disk:
    """Counts every change made under ``root`` as a step; at step ``at`` it fails or kills."""

    root: str
    at: int | None = None
    kill: bool = False
    steps: list[str] = field(default_factory=list)
    dead: bool = False
    locks: list[MonthLock] = field(default_factory=list)

    def step(self, what: str, path: object) -> None:
        where = os.fspath(path) if isinstance(path, (str, os.PathLike)) else ""
        if not str(where).startswith(self.root):
            return  # a relative name (inside rmtree) or another folder (xlsxwriter's temp)
        if self.dead:
            raise Killed(what, where)
        # Staging folders are named by random ids: a step is the same in every run.
        relative = re.sub(r"-[0-9a-f]{12}", "-ID", str(where)[len(self.root) + 1 :])
        self.steps.append(f"{what} {relative}")
        if len(self.steps) == self.at:
            if self.kill:
                self.dead = True
                raise Killed(what, where)
            raise OSError(errno.EIO, "injected failure", str(where))

    def install(self, patch: pytest.MonkeyPatch) -> None:
        for name in OS_CALLS:
            patch.setattr(os, name, self._wrapped(name, getattr(os, name)))
        rmtree, write_text, take = shutil.rmtree, Path.write_text, MonthLock.take.__func__

        def removing(path: Any, ignore_errors: bool = False, **kwargs: Any) -> None:
            try:
                self.step("rmtree", path)
            except OSError:
                if ignore_errors:
                    return
                raise
            rmtree(path, ignore_errors=ignore_errors, **kwargs)

        def writing(path: Path, *args: Any, **kwargs: Any) -> int:
            self.step("write", path)
            return write_text(path, *args, **kwargs)

        def locking(cls: type[MonthLock], *args: Any, **kwargs: Any) -> MonthLock:
            lock = take(cls, *args, **kwargs)
            self.locks.append(lock)
            return lock

        patch.setattr(shutil, "rmtree", removing)
        patch.setattr(Path, "write_text", writing)
        patch.setattr(MonthLock, "take", classmethod(locking))

    def _wrapped(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(path: Any, *args: Any, **kwargs: Any) -> Any:
            self.step(name, path)
            return call(path, *args, **kwargs)

        return wrapped

    def end(self) -> None:
        """What the kernel does when a process ends: its locks go; and the ledger's
        writing thread is let finish, so it cannot write into the next run's folders."""
        for lock in self.locks:
            lock.release()
        store._WRITING.submit(lambda: None).result()


@dataclass(frozen=True)
class Light:
    """Payroll files that say which run wrote them (the sweep's outputs: the transaction
    is the same for any files, and these cost nothing to write). The kill test in a
    subprocess writes the real ones."""

    result: MonthResult
    names: tuple[str, ...] = ("payroll.csv", "lines.csv", "metrics.csv", "payroll.xlsx")
    retired: tuple[str, ...] = ()

    def write(self, folder: Path) -> None:
        for name in self.names:
            (folder / name).write_bytes(self.content(name))

    def content(self, name: str) -> bytes:
        return f"{name} of the run paying {self.result.payroll['gross'].sum()}\n".encode()


@dataclass(frozen=True)
class Runs:
    """The two runs of the month, and a folder in which the old one was published."""

    old: MonthResult
    new: MonthResult
    template: Path
    new_month: Path  # the period folder of the new run

    def expected(self, outputs: Callable[[MonthResult], Any]) -> dict[str, dict[str, Any]]:
        """Each run's files as ``outputs`` writes them (none at all for "none")."""
        found: dict[str, dict[str, Any]] = {}
        for run, result in (("old", self.old), ("new", self.new)):
            files = outputs(result)
            found[run] = {name: files.content(name) for name in files.names}
        found["none"] = dict.fromkeys(found["new"])
        return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    base = tmp_path_factory.mktemp("publish")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSINCENTIVE_CACHE", "off")
        old = compute_month(MONTH, RULES)
        raised = base / "new" / PERIOD
        shutil.copytree(MONTH, raised)
        orders = raised / "orders.csv"
        orders.write_text(orders.read_text("utf-8").replace(",200.50,", ",300.50,"), "utf-8")
        new = compute_month(raised, RULES)
    assert [old.payroll["gross"].sum(), new.payroll["gross"].sum()] == D("12627.17", "12628.52")
    template = base / "template"
    for variant, ledger in (("ledger", True), ("no-ledger", False)):
        book = Ledger(template / variant / "ledger") if ledger else None
        publish(old, template / variant / "out", outputs=Light(old), ledger=book)
    yield Runs(old, new, template, raised)


def held(where: Path, runs: Runs, expected: dict[str, dict[str, Any]], ledger: bool) -> str:
    """The run out/ and the ledger hold, asserting they hold the same one, complete.
    Opening the ledger settles an interrupted publication (as any reader's does)."""
    if ledger:
        book = Ledger(where / "ledger").for_scheme(SCHEME)
        lines = book.lines(PERIOD) if book.has(PERIOD) else None
        recorded = [
            run
            for run, result in (("old", runs.old), ("new", runs.new))
            if lines is not None and lines.equals(result.lines)
        ] or (["none"] if lines is None else [])
    files = {n: _read(where / "out" / n) for n in expected["new"]}
    found = [run for run, contents in expected.items() if files == contents]
    assert len(found) == 1, "out/ mixes runs: " + ", ".join(
        f"{name} of {next((r for r, c in expected.items() if c[name] == data), 'no run')}"
        for name, data in files.items()
    )
    if ledger:
        assert recorded == found, f"out/ holds the {found} run, the ledger {recorded}"
    return found[0]


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def leftovers(where: Path, ledger: bool) -> list[str]:
    """Everything hidden in out/ and in the scheme's folder but the month's lock file."""
    folders = [where / "out"] + ([where / "ledger" / SCHEME] if ledger else [])
    return [
        str(p.relative_to(where))
        for folder in folders
        for p in sorted(folder.iterdir())
        if p.name.startswith(".") and p.name != f".lock-{PERIOD}"
    ]


def attempt(
    where: Path, runs: Runs, variant: str, disk: Disk, outputs: Callable[[MonthResult], Any]
) -> str:
    """Publish the new run over the old one with ``disk`` injecting; what came of it."""
    ledger = variant == "ledger"
    shutil.copytree(runs.template / variant, where)
    book = Ledger(where / "ledger") if ledger else None
    with pytest.MonkeyPatch.context() as patch:
        disk.install(patch)
        try:
            publish(runs.new, where / "out", outputs=outputs(runs.new), ledger=book, force=True)
            outcome = "published"
        except Killed:
            outcome = "killed"
        except InputError as error:  # anything else (a traceback) fails the test
            outcome = error.diagnostics[0].code
    disk.end()
    return outcome


def commit_step(steps: list[str], ledger: bool) -> int:
    """The commit: the step that renames the journal written "committed" into place (the
    second rename of the month's journal; without a ledger, the first of the files' own)."""
    journal = rf"ledger/{SCHEME}/\.publish-{PERIOD}\.json\.tmp"
    if not ledger:
        journal = r"out/\.csincentive-ID/\.publish\.json\.tmp"
    renames = [n for n, s in enumerate(steps, 1) if re.fullmatch(rf"replace {journal}", s)]
    return renames[1] if ledger else renames[0]


@pytest.mark.parametrize("variant", ["ledger", "no-ledger"])
@pytest.mark.parametrize("kill", [False, True], ids=["fail", "kill"])
def test_a_failure_or_a_kill_at_every_step_leaves_one_whole_run(
    runs: Runs, tmp_path: Path, variant: str, kill: bool
):
    ledger = variant == "ledger"
    expected = runs.expected(Light)
    clean = Disk(str(tmp_path / "clean"))
    assert attempt(tmp_path / "clean", runs, variant, clean, Light) == "published"
    commit = commit_step(clean.steps, ledger)
    assert 1 < commit < len(clean.steps)  # steps on both sides of the commit

    for at in range(1, len(clean.steps) + 1):
        where = tmp_path / f"step-{at}"
        disk = Disk(str(where), at=at, kill=kill)
        outcome = attempt(where, runs, variant, disk, Light)
        step = f"step {at}/{len(clean.steps)} ({clean.steps[at - 1]}): {outcome}"
        assert disk.steps[:at] == clean.steps[:at], step  # the same run up to the step
        # A failure is an error with a code, never a traceback; after the commit it never
        # says that nothing was recorded.
        allowed = {"killed"} if kill else {"published", "O101", "L103"}
        if at > commit:
            allowed = {"killed"} if kill else {"published", "L108" if ledger else "O103"}
        assert outcome in allowed, step
        if not ledger:
            settle_out_dir(where / "out")  # what the next run into out/ does first
        committed = outcome == "published" or at > commit
        assert held(where, runs, expected, ledger) == ("new" if committed else "old"), step

        # The next run succeeds, cleans up, and no run is lost from the month's history.
        book = Ledger(where / "ledger") if ledger else None
        publish(runs.new, where / "out", outputs=Light(runs.new), ledger=book, force=True)
        assert held(where, runs, expected, ledger) == "new", step
        assert leftovers(where, ledger) == [], step
        if book is not None:
            history = book.for_scheme(SCHEME).history(PERIOD)
            assert len(history) == (2 if committed else 1), step


def test_the_first_run_of_a_month_killed_at_every_step_leaves_nothing_or_all(
    runs: Runs, tmp_path: Path
):
    empty = Runs(runs.old, runs.new, tmp_path / "empty", runs.new_month)
    (empty.template / "ledger").mkdir(parents=True)
    expected = runs.expected(Light)
    clean = Disk(str(tmp_path / "clean"))
    assert attempt(tmp_path / "clean", empty, "ledger", clean, Light) == "published"
    commit = commit_step(clean.steps, ledger=True)
    for at in range(1, len(clean.steps) + 1):
        where = tmp_path / f"step-{at}"
        assert attempt(where, empty, "ledger", Disk(str(where), at, kill=True), Light) == "killed"
        (where / "out").mkdir(exist_ok=True)  # killed before it was made: an empty folder
        assert held(where, empty, expected, ledger=True) == ("new" if at > commit else "none")


# Real kills: a subprocess that os._exit()s when it reaches a step -----------------------

KILLER = """
import os, re, shutil, sys
from pathlib import Path
from csincentive.ledger.store import Ledger
from csincentive.month.compute import compute_month
from csincentive.month.publish import publish
from csincentive.reports.files import payroll_files

month, rules, where, call, pattern, nth = sys.argv[1:]
result = compute_month(month, rules)
ledger = Ledger(Path(where) / "ledger")
seen = 0

def dying(name, original):
    def wrapped(path, *args, **kwargs):
        global seen
        relative = os.fspath(path)[len(where) + 1:] if os.fspath(path).startswith(where) else ""
        if name == call and re.fullmatch(pattern, relative):
            seen += 1
            if seen == int(nth):
                os._exit(9)  # killed: no cleanup, no finally, no atexit
        return original(path, *args, **kwargs)
    return wrapped

for name in ("mkdir", "rename", "replace", "unlink"):
    setattr(os, name, dying(name, getattr(os, name)))
publish(result, Path(where) / "out", outputs=payroll_files(result), ledger=ledger, force=True)
"""

# (where the process dies, which call, the path it is called on, its how-manieth, what the
# next run must find)
KILLS = [
    ("writing the files", "mkdir", r"out/\.csincentive-\w+", 1, "old"),
    ("at the commit", "replace", rf"ledger/{SCHEME}/\.publish-{PERIOD}\.json\.tmp", 2, "old"),
    ("between two moves into out/", "replace", r"out/\.csincentive-\w+/metrics\.csv", 1, "new"),
    (
        "between the month's two renames",
        "rename",
        rf"ledger/{SCHEME}/\.staging-{PERIOD}-\w+",
        1,
        "new",
    ),
]


def test_a_run_killed_at_each_moment_is_settled_by_the_next(runs: Runs, tmp_path: Path):
    # The old run's real payroll files in out/, then a process publishing the new run
    # killed at each moment (all at once: each has its own folder).
    expected = {"old": {}, "new": {}}
    for run, result in (("old", runs.old), ("new", runs.new)):
        folder = tmp_path / f"files-{run}"
        folder.mkdir()
        payroll_files(result).write(folder)
        expected[run] = {p.name: p.read_bytes() for p in folder.iterdir()}
    kills = []
    for n, (_, call, pattern, nth, _) in enumerate(KILLS):
        where = tmp_path / f"kill-{n}"
        (where / "out").mkdir(parents=True)
        publish(
            runs.old,
            where / "out",
            outputs=payroll_files(runs.old),
            ledger=Ledger(where / "ledger"),
        )
        month = runs.new_month
        args = [
            sys.executable,
            "-c",
            KILLER,
            str(month),
            str(RULES),
            str(where),
            call,
            pattern,
            str(nth),
        ]
        kills.append(subprocess.Popen(args, stderr=subprocess.PIPE, text=True))
    for process, (moment, *_) in zip(kills, KILLS, strict=True):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 9, f"{moment}: not reached ({stderr})"
    for n, (moment, *_, then) in enumerate(KILLS):
        where = tmp_path / f"kill-{n}"
        runs_real = Runs(runs.old, runs.new, where, runs.new_month)
        assert held(where, runs_real, {**expected, "none": {}}, ledger=True) == then, moment
        again = publish(
            runs.new,
            where / "out",
            outputs=payroll_files(runs.new),
            ledger=Ledger(where / "ledger"),
            force=True,
        )
        assert again.recorded is not None
        assert held(where, runs_real, expected, ledger=True) == "new", moment
        assert leftovers(where, ledger=True) == [], moment


# What the next run is told ----------------------------------------------------------------


def test_a_move_that_fails_after_the_commit_is_an_l108_and_the_next_open_finishes_it(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    where = tmp_path / "month"
    shutil.copytree(runs.template / "ledger", where)
    out, ledger = where / "out", Ledger(where / "ledger")
    replace = os.replace

    def refused(source: Any, target: Any) -> None:  # out/ turned read-only after the commit
        if Path(target).parent == out:
            raise OSError(errno.EACCES, "Permission denied", str(source), None, str(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(InputError) as refusal:
        publish(runs.new, out, outputs=Light(runs.new), ledger=ledger, force=True)
    assert str(refusal.value) == (
        f"{out / 'payroll.csv'}: L108 the month was recorded, but moving it into place "
        "failed: Permission denied. Fix that, then run any csincentive command with this "
        f"ledger: it finishes the move (.publish-{PERIOD}.json names what is left)"
    )
    monkeypatch.setattr(os, "replace", replace)
    assert held(where, runs, runs.expected(Light), ledger=True) == "new"
    assert leftovers(where, ledger=False) == []  # the files' staging folder went with it


def test_a_journal_that_cannot_be_read_stops_the_next_run_and_nothing_else(
    runs: Runs, tmp_path: Path
):
    where = tmp_path / "month"
    shutil.copytree(runs.template / "ledger", where)
    journal = where / "ledger" / SCHEME / f".publish-{PERIOD}.json"
    journal.write_text("{ torn", encoding="utf-8")
    assert Ledger(where / "ledger").manifest(PERIOD)["gross"] == "12627.17"  # still read
    with pytest.raises(InputError) as refusal:
        book = Ledger(where / "ledger")
        publish(runs.new, where / "out", outputs=Light(runs.new), ledger=book, force=True)
    [problem] = refusal.value.diagnostics
    assert (problem.file, problem.code) == (str(journal), "L108")
    assert problem.message.startswith("the journal of an interrupted run cannot be read (")
    assert problem.message.endswith(
        "it names the staged files of that run: check the month and its out folder, then delete it"
    )
    assert held(where, runs, runs.expected(Light), ledger=True) == "old"  # untouched


def test_a_publish_leaves_the_staging_folder_of_a_run_still_writing_alone(
    runs: Runs, tmp_path: Path
):
    out = tmp_path / "out"
    live = out / ".csincentive-0123456789ab"  # another run's, writing now (its lock held)
    live.mkdir(parents=True)
    lock = MonthLock.take(live, "publish", "the payroll files being written")
    (live / "payroll.csv").write_text("not committed yet", encoding="utf-8")
    try:
        publish(runs.new, out, outputs=Light(runs.new))
        assert (live / "payroll.csv").read_text("utf-8") == "not committed yet"
    finally:
        lock.release()
    # Its run ended without a commit (no journal): the next publish removes it.
    publish(runs.new, out, outputs=Light(runs.new), force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(Light.names)
