"""Where a scheme's months live in a ledger folder.

A ledger folder holds the months of every scheme run into it, each scheme apart::

    <root>/<scheme id>/<YYYY-MM>/            a scheme without a shop
    <root>/<scheme id>/<shop>/<YYYY-MM>/     [scheme] shop = "…"

so two shops or schemes sharing a folder never see each other's months. Ledgers written
before schemes were kept apart hold their months directly under the root
(``<root>/<YYYY-MM>/``, the scheme only in the manifest): they are read where they are, as
months of the scheme their manifest names, and a month is moved under its scheme's folder
the first time it is written again (``migrate``).

Scheme ids and shop names become folder names as they are, Chinese included; only what a
file system could misread is written as ``%XX`` (a slash, a leading dot, a name that looks
like a month …), so every name maps to exactly one folder and back."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

MANIFEST = "manifest.json"
HISTORY = "history"
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NO_NAME = "%none"  # the folder of a month recorded without a scheme id (no encoded name is it)
# What a folder name cannot hold as it is: path separators and characters Windows refuses,
# control characters, "%" (the escape itself), a leading dot (hidden; "." and ".."), and the
# first digit of a name shaped like a month (a shop folder sits beside month folders).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f%/\\:*?"<>|]|^\.|^\d(?=\d{3}-\d\d$)')


@dataclass(frozen=True)
class SchemeKey:
    """Which scheme a month belongs to: its id, and its shop when the rules name one."""

    id: str
    shop: str | None = None

    @classmethod
    def of(cls, scheme_id: str | None, shop: str | None = None) -> SchemeKey:
        return cls(scheme_id or "", shop or None)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> SchemeKey:
        scheme = manifest.get("scheme") or {}
        return cls.of(scheme.get("id"), scheme.get("shop"))

    def folder(self, root: Path) -> Path:
        """The folder this scheme's months are kept in."""
        folder = root / _segment(self.id)
        return folder / _segment(self.shop) if self.shop else folder

    def __str__(self) -> str:
        name = self.id or "(no scheme id)"
        return f"{name} (shop {self.shop})" if self.shop else name


def legacy_scheme(root: Path, period: str) -> SchemeKey | None:
    """The scheme of a month kept in the earlier layout (``<root>/<period>/``), if any."""
    manifest = root / period / MANIFEST
    if not manifest.is_file():
        return None
    data: dict[str, Any] = json.loads(manifest.read_text("utf-8"))
    return SchemeKey.from_manifest(data)


def months_in(folder: Path) -> list[str]:
    """The recorded months directly in a folder, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if PERIOD.match(p.name) and (p / MANIFEST).is_file()
    )


def schemes(root: Path) -> dict[SchemeKey, list[str]]:
    """Every scheme with a month in the ledger, and its months (both layouts)."""
    found: dict[SchemeKey, set[str]] = {}
    for key, folder in _scheme_folders(root):
        if months := months_in(folder):
            found.setdefault(key, set()).update(months)
    for period in months_in(root):
        if (legacy := legacy_scheme(root, period)) is not None:
            found.setdefault(legacy, set()).add(period)
    order = sorted(found, key=lambda key: (key.id, key.shop or ""))
    return {key: sorted(found[key]) for key in order}


def month_folders(root: Path) -> Iterator[Path]:
    """Every folder months are kept in: the root (the earlier layout) and each scheme's."""
    yield root
    for _, folder in _scheme_folders(root):
        yield folder


def migrate(root: Path, key: SchemeKey, period: str) -> None:
    """Move a month of this scheme kept in the earlier layout under the scheme's folder —
    one rename, so it is in one place or the other, never half moved. A month the scheme
    already has in its folder stays where it is (that one is read)."""
    target = key.folder(root) / period
    if legacy_scheme(root, period) != key or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(root / period, target)


def _scheme_folders(root: Path) -> Iterator[tuple[SchemeKey, Path]]:
    for scheme in _subfolders(root):
        scheme_id = _name(scheme.name)
        yield SchemeKey.of(scheme_id), scheme
        for shop in _subfolders(scheme):
            yield SchemeKey.of(scheme_id, _name(shop.name)), shop


def _subfolders(folder: Path) -> list[Path]:
    """The folders in a folder that are neither months nor hidden (staging, locks)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not PERIOD.match(p.name)
    )


def _segment(name: str | None) -> str:
    if not name:
        return NO_NAME
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), name)


def _name(segment: str) -> str:
    return "" if segment == NO_NAME else unquote(segment)
