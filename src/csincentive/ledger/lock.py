"""One writer per ledger month.

A run holds the month's lock from the moment it starts writing the month
(``Ledger.prepare``) until it is committed or discarded; ``close`` and ``reopen`` hold it
while they change the manifest. The lock is ``flock`` on ``<scheme folder>/.lock-<YYYY-MM>``:
the kernel releases it when the process ends, however it ends (killed, crashed, the machine
restarted), so a dead run never leaves a month locked and there is no stale lock to judge
by its age or its pid. The file is never deleted — deleting a lock file lets two processes
each lock a different file — and holds who took the lock last, for the message.

A second writer fails at once instead of waiting: two people running the same month at the
same moment is a mistake to tell them about (the second run would replace what the first
just recorded, or be refused by the seal the first is closing), and a payroll run has no
deadline a timeout could be chosen by."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from csincentive.core.diagnostics import InputError

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

PREFIX = ".lock-"


@dataclass
class MonthLock:
    """A month's lock, held until ``release`` (or until the process ends)."""

    path: Path
    _fd: int

    @classmethod
    def take(cls, folder: Path, period: str, what: str) -> MonthLock:
        """The lock of ``period`` in ``folder`` (a scheme's folder), or InputError L107
        naming the lock and who holds it; ``what`` names the month in that message."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{PREFIX}{period}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _lock(fd):
            holder = _read(fd)
            os.close(fd)
            raise InputError.single(path, _busy(what, holder), code="L107")
        _write(fd, _holder())
        return cls(path, fd)

    @classmethod
    def try_take(cls, folder: Path, period: str) -> MonthLock | None:
        """The lock if nobody holds it (None otherwise, or when it cannot be created)."""
        try:
            return cls.take(folder, period, period)
        except (InputError, OSError):
            return None

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            _write(self._fd, "")  # the next run that finds it locked reads a live holder
        except OSError:
            pass
        finally:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = -1


def _holder() -> str:
    since = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else ""
    return json.dumps(
        {"pid": os.getpid(), "host": socket.gethostname(), "since": since, "command": command},
        ensure_ascii=False,
    )


def _busy(what: str, holder: str) -> str:
    try:
        who = json.loads(holder)
        by = f"process {who['pid']} on {who['host']} since {who['since']} ({who['command']})"
    except (ValueError, KeyError, TypeError):
        by = "another process"
    return (
        f"{what} is being written by another run: {by}; wait for it to finish, then run "
        "again (the lock is released when that process ends, even if it is killed)"
    )


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text.encode("utf-8"))


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 4096).decode("utf-8", errors="replace")
    except OSError:  # Windows: the holder's locked byte cannot be read
        return ""


if sys.platform == "win32":

    def _lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
