"""Text from an index or a file name, made safe to print on a terminal.

A title or an author may hold escape sequences (clear the screen, set the window title, write the
clipboard with OSC 52, fake a link with OSC 8): a terminal runs them when they are printed. Every
control character is removed from what the CLI prints, and shown escaped ('\\x1b') in error lines,
where it is usually part of a file name the user must recognise; either way a line stays one line.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_JSON_UNESCAPED = re.compile("[\x7f-\x9f]")  # json.dumps escapes \x00-\x1f itself, not these


def shown(text: str) -> str:
    """``text`` without control characters (a line break or a tab becomes a space)."""
    if not _CONTROL.search(text):
        return text
    spaced = text.replace("\r\n", " ").translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
    return _CONTROL.sub("", spaced)


def escaped(text: str) -> str:
    """``text`` with each control character written as an escape, for one-line error messages."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def markup_escaped(text: str) -> str:
    """``text`` escaped, and its square brackets taken literally by rich (a file named
    '[red]x' must not colour the line, nor '[/x]' make rich fail)."""
    return escape(escaped(text))


def json_safe(line: str) -> str:
    """A JSON text whose DEL and C1 characters are written as \\u escapes (the same JSON value)."""
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
