"""Contacts as an address book reads them: vCard 3.0 (RFC 2426), the most widely imported."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """One person to take into an address book."""

    name: str
    organization: str = ""
    email: str = ""
    note: str = ""


# Words that begin a family name rather than end the given one ("Jean de La Fontaine").
PARTICLES = frozenset(
    "de du des d' da di del della dos das la le les van von der den ten ter zu af".split()
)


def _shouting(word: str) -> bool:
    """A word in capitals (how French lists write the family name: "MARTIN Sophie")."""
    return word.isupper() and sum(c.isalpha() for c in word) > 1


def name_parts(name: str) -> tuple[str, str]:
    """``(family, given)`` of a person's name as one text (the record keeps no separate
    fields). "Family, Given" says it; else family names written in capitals first ("MARTIN
    Sophie") are the family name; else the last word with the particles before it ("de",
    "van der"), the words before it the given name. One word is a family name."""
    if "," in name:
        family, _, given = name.partition(",")
        return " ".join(family.split()), " ".join(given.split())
    words = name.split()
    if not words:
        return "", ""
    capitals = 0
    while capitals < len(words) and _shouting(words[capitals]):
        capitals += 1
    if 0 < capitals < len(words):
        return " ".join(words[:capitals]), " ".join(words[capitals:])
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])


def _escape(text: str) -> str:
    """A property value: backslash, comma, semicolon and line breaks escaped."""
    out = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return out.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets (a continuation starts with a space), never inside
    a character."""
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not parts else 74  # the leading space counts
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def card(contact: Contact) -> str:
    """One vCard, lines ending in CRLF."""
    family, given = name_parts(contact.name)
    name = f"N:{_escape(family)};{_escape(given)};;;"
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(contact.name)}", name]
    if contact.organization:
        lines.append(f"ORG:{_escape(contact.organization)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{_escape(contact.email)}")
    if contact.note:
        lines.append(f"NOTE:{_escape(contact.note)}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def cards(contacts: Iterable[Contact]) -> str:
    """Several vCards in one file."""
    return "".join(card(c) for c in contacts)
