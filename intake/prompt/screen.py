"""Provides text laid out for a small terminal: wrapped at word boundaries, and cut into pages that fit.

A line is never cut inside a word: words move whole to the next line, which keeps the line's indent
and the room of its marker ("  n) ", "   - ", "[x] "), so options and points read as a list. A file
path wider than the whole line is cut after a slash; any other word that wide is left to overflow.
Widths count terminal columns (a wide character takes two).
"""

from __future__ import annotations

import re

from prompt_toolkit.utils import get_cwidth

#: An indent and a list marker ("  n) ", "   - ", "  [defer] "): wrapped lines hang under the text after it.
_MARKER = re.compile(r"^(\s*)((?:\[[ x\w]+\] )?(?:\S{1,3}\) |- |⚑ )?)")
#: Rows kept free below a page: the pager's own prompt line and the cursor.
PAGER_ROWS = 2


def columns(text: str) -> int:
    """The terminal columns a text takes."""
    return get_cwidth(text)


def _pieces(word: str, room: int) -> list[str]:
    """A word as it may be cut: whole, or a path wider than the line cut after its slashes (never inside a name)."""
    if columns(word) <= room or "/" not in word:
        return [word]
    pieces: list[str] = []
    for part in re.findall(r"[^/]*/|[^/]+$", word):
        if pieces and columns(pieces[-1]) + columns(part) <= room:
            pieces[-1] += part
        else:
            pieces.append(part)
    return pieces


def wrap_line(line: str, width: int) -> list[str]:
    """One line wrapped to `width` columns at spaces, later lines hanging under the text after its marker."""
    line = line.rstrip()
    if columns(line) <= width:
        return [line]
    found = _MARKER.match(line)
    head = found.group(0) if found else ""
    hang = " " * columns(head)
    if columns(hang) > width // 2:
        hang = ""
    words = [(piece, "" if n else " ") for word in line[len(head):].split()
             for n, piece in enumerate(_pieces(word, width - columns(hang)))]  # a path's pieces join closely
    lines: list[str] = []
    current = head.rstrip() if not words else head + words[0][0]
    for word, glue in words[1:]:
        if columns(current) + len(glue) + columns(word) <= width:
            current += glue + word
        else:
            lines.append(current)
            current = hang + word
    lines.append(current)
    return lines


def wrap(text: str, width: int) -> list[str]:
    """Text wrapped to `width` columns; its own line breaks are kept (an empty line stays empty)."""
    width = max(width, 10)
    return [wrapped for line in text.split("\n") for wrapped in wrap_line(line, width)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def blocks(text: str, width: int) -> list[list[str]]:
    """Text wrapped, in blocks kept together on a page: a line, with the next while each is more indented.

    A heading stays with its first question, a question with its answer, a point with its wrapped lines.
    """
    found: list[list[str]] = []
    previous = -1
    for line in text.split("\n"):
        indent = _indent(line) if line.strip() else -1
        if not found or indent <= previous:
            found.append([])
        previous = indent
        found[-1].extend(wrap(line, width))
    return found


def pages(text: str, width: int, rows: int) -> list[list[str]]:
    """Text wrapped and cut into pages that fit `rows` rows with the pager's prompt below each.

    A block (a question and its answer, a heading and its points) moves whole to the next page when
    it does not fit the rest of one; only a block longer than a page is cut.
    """
    size = max(rows - PAGER_ROWS, 3)
    book: list[list[str]] = [[]]
    for block in blocks(text, max(width, 10)):
        if book[-1] and len(book[-1]) + len(block) > size:
            book.append([])
        for line in block:
            if len(book[-1]) == size:
                book.append([])
            book[-1].append(line)
    return book
