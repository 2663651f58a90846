"""Texts as they are kept: without control characters, the one rule for every text that enters
(a title, a name, a notice, a chat message, a pitch…) and for what leaves from older records
(a spreadsheet cell, an e-mail header).

A control character breaks what the text goes into: ``\\x01`` makes a workbook no program
opens, CR/LF in a mail header makes the e-mail fail, and the bidirectional overrides make a
text read otherwise than it is written (a link that looks like another). A single-line text
(a title, a name) turns line ends and tabs into a space; a multi-line one (a pitch, a note, a
help request, a chat message) keeps its newlines and tabs; both drop every other control
character, the bidirectional overrides and what no UTF-8 or XML holds (lone surrogates,
U+FFFE, U+FFFF).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import msgspec

BIDI = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides and isolates
# C0 but tab and newline, DEL, C1, the bidirectional controls, lone surrogates, and the two
# noncharacters no XML holds (a workbook is XML)
_DROPPED = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}\ud800-\udfff\ufffe\uffff]")
# the same but the bidirectional controls: for a link, whose own rule refuses them with a
# message (``core.bidi``) rather than have them vanish from what the person wrote
_DROPPED_BUT_BIDI = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_END = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")  # besides "\n"
_SPACED = re.compile("\r\n|[\t\n\r\x0b\x0c\x85\u2028\u2029]")


def line(text: str, keep_bidi: bool = False) -> str:
    """A single-line text as kept: each line end or tab a space, other controls dropped (but
    the bidirectional ones, with ``keep_bidi``: a link's own rule refuses them)."""
    if text.isprintable():  # the usual path (no control character is printable)
        return text
    dropped = _DROPPED_BUT_BIDI if keep_bidi else _DROPPED
    return dropped.sub("", _SPACED.sub(" ", text))


def lines(text: str) -> str:
    """A multi-line text as kept: every line end a newline, tabs kept, other controls dropped."""
    if text.isprintable():
        return text
    return _DROPPED.sub("", _LINE_END.sub("\n", text))


def clean(text: str, multiline: bool) -> str:
    """``lines(text)`` if ``multiline``, else ``line(text)``."""
    return lines(text) if multiline else line(text)


def _cleaned(value: Any, multiline: bool, link: bool = False) -> Any:
    if link and isinstance(value, str):
        return line(value, keep_bidi=True)
    if isinstance(value, str):
        return clean(value, multiline)
    if isinstance(value, list | tuple) and any(isinstance(v, str) for v in value):
        return type(value)(clean(v, multiline) if isinstance(v, str) else v for v in value)
    return value


class Cleaned(msgspec.Struct, frozen=True):
    """A payload whose texts (its strings and lists of strings; nested payloads clean their
    own) are cleaned as it arrives: single-line, but the fields ``MULTILINE`` names. A text
    that held only control characters is refused (a ``ValueError`` that msgspec reports)."""

    MULTILINE: ClassVar[frozenset[str]] = frozenset()
    LINKS: ClassVar[frozenset[str]] = frozenset()  # keep bidi controls: their rule refuses them

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            new = _cleaned(value, name in self.MULTILINE, name in self.LINKS)
            if new == value:
                continue
            if isinstance(value, str) and value.strip() and not new.strip():
                raise ValueError(f"`{name}` holds only control characters: write a text")
            msgspec.structs.force_setattr(self, name, new)
