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
    name = _escape(contact.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}", f"N:{name};;;;"]
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
