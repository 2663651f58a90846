"""What every e-mail says: a text and an HTML part in the person's language (from the templates
of ``web/templates/mail``), their headers, an ``.ics`` file of the event's start with an
invitation, and with the summary e-mail the mutual follow-ups' contacts as a vCard file. Only
mutual follow-ups carry contacts (a wish of one person alone is not in the summary it is made
from, ``results.summary``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import jinja2

from .. import assets
from ..core import texts, words
from ..core.model import EventState, MailKind, Participant
from ..results import vcard
from ..settings import Settings, zone
from . import recaps

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}  # fmt: skip


def when(ms: int, lang: str, tz: str) -> str:
    """``Tuesday 3 March 2026, 09:00 (Europe/Paris)`` in English or French."""
    at = datetime.fromtimestamp(ms / 1000, zone(tz))
    day = WEEKDAYS.get(lang, WEEKDAYS["en"])[at.weekday()]
    month = MONTHS.get(lang, MONTHS["en"])[at.month - 1]
    sep = ", " if lang == "en" else " à "
    return f"{day} {at.day} {month} {at.year}{sep}{at:%H:%M} ({tz})"


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with a space."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def ics(state: EventState, description: str, now: int) -> str:
    """A calendar file of the event's start (its secret links are not in it: calendars are
    often shared)."""
    s = state.settings
    assert s.starts_at is not None
    length = s.rounds * s.round_seconds + max(s.rounds - 1, 0) * s.break_seconds
    return calendar(
        uid=f"{state.id}@speedmeet",
        start=s.starts_at,
        end=s.starts_at + length * 1000,
        title=s.title,
        description=description,
        now=now,
    )


def calendar(
    *,
    uid: str,
    start: int,
    end: int,
    title: str,
    description: str,
    now: int,
    method: str = "PUBLISH",
    url: str = "",
    organizer: str = "",
    attendees: Sequence[tuple[str, str]] = (),
    sequence: int = 0,
) -> str:
    """An iCalendar file of one meeting (RFC 5545; times in UTC). ``method``: ``PUBLISH`` (the
    event's start), ``REQUEST`` (a booking, with its ``organizer`` and ``attendees`` as
    ``(name, address)``) or ``CANCEL`` (the same ``uid``, a higher ``sequence``). ``url``: where
    the meeting takes place, as its location, link and description."""
    stamp = "%Y%m%dT%H%M%SZ"

    def utc(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime(stamp)

    event = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{_ics_text(texts.line(title))}",
        f"DESCRIPTION:{_ics_text(texts.lines(description))}",
    ]
    if url:
        event += [f"LOCATION:{_ics_text(url)}", f"URL:{url}"]
    if method != "PUBLISH":
        event += [
            f"SEQUENCE:{sequence}",
            "STATUS:" + ("CANCELLED" if method == "CANCEL" else "CONFIRMED"),
        ]
        if organizer:
            event.append(f"ORGANIZER:mailto:{organizer}")
        for name, address in attendees:
            event.append(
                f'ATTENDEE;CN="{texts.line(name).replace(chr(34), "")}";RSVP=FALSE:mailto:{address}'
            )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Speedmeet//Speedmeet//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *event,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def envelope(
    settings: Settings, person: Participant, subject: str, lang: str, now: int
) -> EmailMessage:
    """An e-mail to ``person`` with its headers and no body yet (no control character in them:
    CR/LF from a record kept before texts were cleaned on input would make it fail)."""
    message = EmailMessage()
    message["Subject"] = texts.line(subject)
    message["From"] = settings.smtp_from
    message["To"] = Address(display_name=texts.line(person.name), addr_spec=person.email)
    message["Date"] = format_datetime(datetime.fromtimestamp(now / 1000, UTC))
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "speedmeet"
    message["Message-ID"] = make_msgid("speedmeet", domain=domain)
    message["Content-Language"] = lang
    message["Auto-Submitted"] = "auto-generated"
    return message


_JINJA = jinja2.Environment(
    loader=jinja2.FileSystemLoader(assets.WEB / "templates" / "mail"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_JINJA.globals["fill"] = words.fill  # a catalogue string filled, elided in French


def render(template: str, context: Mapping[str, Any]) -> str:
    """A mail template (``web/templates/mail``) filled with ``context``."""
    return _JINJA.get_template(template).render(**context)


def compose(
    settings: Settings,
    state: EventState,
    person: Participant,
    url: str,
    kind: MailKind,
    now: int,
) -> EmailMessage:
    """The e-mail of ``kind`` to ``person`` with their link ``url``, in their language (else
    the event's)."""
    lang = person.language or state.settings.language
    t = assets.strings(lang)
    s = state.settings
    starts = when(s.starts_at, lang, settings.timezone) if s.starts_at is not None else ""
    fill = {"name": person.name, "title": s.title, "when": starts}
    text = {
        "greeting": words.fill(t["mail_greeting"], lang, **fill),
        "intro": words.fill(t[f"mail_intro_{kind}"], lang, **fill),
        "when": words.fill(t["mail_when"], lang, **fill) if starts else "",
        "link_intro": t["mail_link_intro"],
        "button": t["mail_button"],
        "replaces": t["mail_replaces"],
        "check": t["mail_check"],
        "signature": t["mail_signature"],
    }
    subject = words.fill(t[f"mail_subject_{kind}"], lang, **fill)
    context = {
        "t": text,
        "url": url,
        "check_url": f"{url.rstrip('/')}/check?lang={lang}",  # the self-test needs the link
        "lang": lang,
        "subject": subject,
    }
    message = envelope(settings, person, subject, lang, now)
    message.set_content(_JINJA.get_template("message.txt").render(**context))
    message.add_alternative(_JINJA.get_template("message.html").render(**context), subtype="html")
    if s.starts_at is not None:
        calendar = ics(state, words.fill(t["mail_ics_description"], lang, **fill), now)
        message.add_attachment(
            calendar.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="event.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return message


@dataclass(frozen=True)
class Recap:
    """A summary e-mail's subject, parts and vCard file (``""``: no mutual contact)."""

    lang: str
    subject: str
    text: str
    html: str
    vcf: str


def contacts(state: EventState, summary: Mapping[str, Any], t: Mapping[str, str]) -> str:
    """The mutual follow-ups of a summary as vCards (``""`` when there is none)."""
    return vcard.cards(
        vcard.Contact(
            name=p["name"],
            organization=p["organization"],
            email=p.get("email", ""),
            note=words.fill(t["vcard_note"], "", event=state.settings.title, round=number),
        )
        for number, p in recaps.mutual_peers(summary)
    )


def content(state: EventState, person: Participant, url: str, summary: Mapping[str, Any]) -> Recap:
    """The summary e-mail to ``person``, with the link ``url`` to their summary."""
    lang = person.language or state.settings.language
    t = assets.strings(lang)
    fill = {"name": person.name, "title": state.settings.title}
    subject = words.fill(t["mail_subject_summary"], lang, **fill)
    mutual = [p for _, p in recaps.mutual_peers(summary)]
    context = {
        "t": t,
        "lang": lang,
        "subject": subject,
        "greeting": words.fill(t["mail_greeting"], lang, **fill),
        "intro": words.fill(t["mail_intro_summary"], lang, **fill),
        "url": url,
        "meetings": summary["meetings"],
        "mutual": mutual,
    }
    vcf = contacts(state, summary, t)
    return Recap(
        lang=lang,
        subject=subject,
        text=_JINJA.get_template("summary.txt").render(**context),
        html=_JINJA.get_template("summary.html").render(**context),
        vcf=vcf,
    )
