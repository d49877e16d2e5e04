"""Where things are in a TOML file (a rules file, a statutory policy), so errors can say
``file:line:col``.

``tomllib`` returns plain dicts without positions, so ``SourceMap`` scans the text once and
records, for every key path (``("components", "commission", "rows", 1, "value")``), where its
key starts and where its value starts. It is a pragmatic scanner, not a TOML parser: it only
ever runs on text ``tomllib`` has already accepted, so it may assume the syntax is valid.

``Written`` keeps, for one component, where each of its keys is written: the loader records
it, so a payslip explanation can point at a tier row without reading the file again.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

Path = tuple[str | int, ...]

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b"}
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}
_QUOTES = ("'", '"')  # a tuple, so the end of text ("") is not "in" it


def dotted(loc: Path) -> str:
    """("components", "c", "rows", 1) → "components.c.rows[1]", as diagnostics name a key."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class Location:
    """1-based line and column in a rules file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Written:
    """Where one component is written: its file, and the (line, col) of each key inside it
    by its path below ``components.<id>`` (``()`` is the component's own table)."""

    file: str
    positions: dict[Path, tuple[int, int]]

    def at(self, *within: str | int) -> Location:
        """The deepest written part of ``within`` (e.g. "rows", 1), like ``position``."""
        for end in range(len(within), -1, -1):
            found = self.positions.get(within[:end])
            if found is not None:
                return Location(self.file, *found)
        return Location(self.file, 1, 1)


@dataclass
class SourceMap:
    text: str
    # Absolute 0-based character offsets.
    keys: dict[Path, int] = field(default_factory=dict)
    values: dict[Path, int] = field(default_factory=dict)
    # For string values: the source offset of each decoded character, plus one past the end.
    strings: dict[Path, list[int]] = field(default_factory=dict)
    line_starts: list[int] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> SourceMap:
        source = cls(text)
        source.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        _Scanner(text, source).document()
        return source

    # -- queries ---------------------------------------------------------------------------

    def _found(self, path: Path) -> Path:
        """The longest prefix of ``path`` that the file defines (``()`` if none)."""
        path = tuple(path)
        for end in range(len(path), 0, -1):
            if path[:end] in self.keys:
                return path[:end]
        return ()

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def position(self, path: Path) -> tuple[int, int]:
        """1-based (line, col) of the deepest existing element of ``path``: a key, an array
        element, or a ``[table]`` / ``[[array]]`` header (its ``[``). Falls back to the
        nearest ancestor that can be found, and to (1, 1)."""
        found = self._found(path)
        return self._line_col(self.keys[found]) if found else (1, 1)

    def value_position(self, path: Path) -> tuple[int, int]:
        """Position of the first character of the value; for a string, the character after
        the opening quote(s) (for ``\"\"\"`` that may be the end of the line: TOML drops a
        newline right there). Falls back like ``position``."""
        found = self._found(path)
        if found in self.values:
            return self._line_col(self.values[found])
        return self.position(path)

    def string_position(self, path: Path, offset: int) -> tuple[int, int]:
        """Position of the character at 0-based ``offset`` in the *decoded* string value at
        ``path``: exact across escapes and multi-line strings. Past the end → the closing
        quote. Not a string → like ``value_position``."""
        found = self._found(path)
        chars = self.strings.get(found) if found == tuple(path) else None
        if chars is None:
            return self.value_position(path)
        return self._line_col(chars[max(0, min(offset, len(chars) - 1))])

    def components_written(self, file: str, within: Path = ()) -> dict[str, Written]:
        """Every ``[components.<id>]`` of this file with the positions of its keys (those
        of a dated change: ``within=("changes", i)``)."""
        found: dict[str, dict[Path, tuple[int, int]]] = {}
        depth = len(within)
        for path, offset in self.keys.items():
            if path[:depth] != within:
                continue
            rest = path[depth:]
            if len(rest) >= 2 and rest[0] == "components" and isinstance(rest[1], str):
                found.setdefault(rest[1], {})[rest[2:]] = self._line_col(offset)
        return {cid: Written(file, positions) for cid, positions in found.items()}

    def line_rest(self, line: int, col: int) -> str:
        """The text of ``line`` from ``col`` (1-based) to its end, without the line break."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        rest = self.text[start + col - 1 : len(self.text) if end < 0 else end]
        return rest.removesuffix("\r")


class _Scanner:
    """One pass over valid TOML text, filling a SourceMap."""

    def __init__(self, text: str, out: SourceMap) -> None:
        self.text = text
        self.i = 0
        self.out = out
        self.explicit: set[Path] = set()  # paths whose position came from their own header
        self.array_counts: dict[Path, int] = {}  # [[path]] occurrences so far

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < len(self.text) else ""

    def skip_space(self, newlines: bool) -> None:
        """Skip blanks and comments; also line breaks if ``newlines`` (inside arrays etc.)."""
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: Path = ()
        while True:
            self.skip_space(newlines=True)
            if self.i >= len(self.text):
                return
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)
            self.skip_space(newlines=False)  # a trailing comment

    def header(self) -> Path:
        start = self.i
        is_array = self.peek(1) == "["
        self.i += 2 if is_array else 1
        keys = self.keys()
        self.i += 2 if is_array else 1  # the closing ] or ]]
        path: Path = ()
        for n, (key, at) in enumerate(keys):
            path = (*path, key)
            if n < len(keys) - 1:
                self.out.keys.setdefault(path, at)
                # A header under an array of tables belongs to its latest element.
                if path in self.array_counts:
                    path = (*path, self.array_counts[path] - 1)
        if is_array:
            self.out.keys.setdefault(path, start)
            index = self.array_counts.get(path, 0)
            self.array_counts[path] = index + 1
            path = (*path, index)
            self.out.keys[path] = start
        elif path not in self.explicit:
            # [a] after [a.b]: the table's own header is the better place to point at.
            self.out.keys[path] = start
        self.explicit.add(path)
        return path

    def keys(self) -> list[tuple[str, int]]:
        """A dotted key: each part with the offset where it starts."""
        parts: list[tuple[str, int]] = []
        while True:
            self.skip_space(newlines=False)
            at = self.i
            if self.peek() in _QUOTES:
                name, _ = self.string()
            else:
                while self.peek() and self.peek() in _BARE_KEY:
                    self.i += 1
                name = self.text[at : self.i]
            parts.append((name, at))
            self.skip_space(newlines=False)
            if self.peek() != ".":
                return parts
            self.i += 1

    def key_value(self, table: Path) -> None:
        path = table
        for key, at in self.keys():
            path = (*path, key)
            self.out.keys.setdefault(path, at)
        self.i += 1  # "="
        self.skip_space(newlines=False)
        self.value(path)

    def value(self, path: Path) -> None:
        c = self.peek()
        if c in _QUOTES:
            _, chars = self.string()
            self.out.values[path] = chars[0]
            self.out.strings[path] = chars[1:]
        elif c == "[":
            self.out.values[path] = self.i
            self.i += 1
            index = 0
            while True:
                self.skip_space(newlines=True)
                if self.peek() in ("]", ""):
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                element = (*path, index)
                self.out.keys.setdefault(element, self.i)
                self.value(element)
                index += 1
        elif c == "{":
            self.out.values[path] = self.i
            self.i += 1
            while True:
                self.skip_space(newlines=True)  # TOML 1.1 allows line breaks here
                if self.peek() in ("}", ""):
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.key_value(path)
        else:
            # Number, boolean or date (dates may contain a space): runs to a delimiter.
            self.out.values[path] = self.i
            while self.peek() and self.peek() not in ",]}#\r\n":
                self.i += 1

    def string(self) -> tuple[str, list[int]]:
        """Read a string at the cursor. Returns the decoded text and a list: the offset where
        the content starts (after the opening quotes), then the source offset of each decoded
        character, then the offset of the closing quotes."""
        text = self.text
        quote = text[self.i]
        multi = text.startswith(quote * 3, self.i)
        self.i += 3 if multi else 1
        content_start = self.i
        if multi:  # a line break right after the opening quotes is not part of the value
            if text.startswith("\r\n", self.i):
                self.i += 2
            elif self.peek() == "\n":
                self.i += 1
        decoded: list[str] = []
        offsets: list[int] = []
        while self.i < len(text):
            c = text[self.i]
            if c == quote and (not multi or text.startswith(quote * 3, self.i)):
                if multi:  # up to two quotes may sit right before the closing three
                    run = 3
                    while run < 5 and self.peek(run) == quote:
                        run += 1
                    for _ in range(run - 3):
                        decoded.append(quote)
                        offsets.append(self.i)
                        self.i += 1
                    end = self.i
                    self.i += 3
                else:
                    end = self.i
                    self.i += 1
                return "".join(decoded), [content_start, *offsets, end]
            if c == "\\" and quote == '"':
                self.escape(decoded, offsets, multi)
                continue
            decoded.append(c)
            offsets.append(self.i)
            self.i += 1
        return "".join(decoded), [content_start, *offsets, len(text)]  # unreachable if valid

    def escape(self, decoded: list[str], offsets: list[int], multi: bool) -> None:
        text, start = self.text, self.i
        kind = self.peek(1)
        after = start + 1
        while after < len(text) and text[after] in " \t":
            after += 1
        if multi and text.startswith(("\n", "\r\n"), after):
            # Line-ending backslash: drops the break and the blanks that follow.
            self.i += 1
            while self.peek() in (" ", "\t", "\r", "\n"):
                self.i += 1
            return
        if kind in _HEX_LENGTH:
            digits = text[start + 2 : start + 2 + _HEX_LENGTH[kind]]
            decoded.append(chr(int(digits, 16)))
            self.i = start + 2 + len(digits)
        else:
            decoded.append(_ESCAPES.get(kind, kind))
            self.i = start + 2
        offsets.append(start)
