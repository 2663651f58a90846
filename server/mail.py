"""E-mails to participants: a text and an HTML part in the person's language, their personal
link, and an ``.ics`` file of the event's start; sent over SMTP by a few workers at once
(``smtp_concurrency``), each outcome appended to the event's mail log."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosmtplib
import jinja2

from . import i18n, invites, recap_mail
from .assets import WEB
from .errors import SpeedmeetError
from .model import EventState, MailKind, Participant
from .service import Owner
from .settings import Settings

log = logging.getLogger(__name__)

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


def zone(name: str) -> ZoneInfo:
    """The configured time zone (UTC when it is unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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
    stamp = "%Y%m%dT%H%M%SZ"

    def utc(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime(stamp)

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Speedmeet//Speedmeet//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{state.id}@speedmeet",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(s.starts_at)}",
        f"DTEND:{utc(s.starts_at + length * 1000)}",
        f"SUMMARY:{_ics_text(s.title)}",
        f"DESCRIPTION:{_ics_text(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def envelope(
    settings: Settings, person: Participant, subject: str, lang: str, now: int
) -> EmailMessage:
    """An e-mail to ``person`` with its headers and no body yet."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = Address(display_name=person.name, addr_spec=person.email)
    message["Date"] = format_datetime(datetime.fromtimestamp(now / 1000, UTC))
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "speedmeet"
    message["Message-ID"] = make_msgid("speedmeet", domain=domain)
    message["Content-Language"] = lang
    message["Auto-Submitted"] = "auto-generated"
    return message


_JINJA = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEB / "templates" / "mail"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


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
    t = i18n.strings(lang)
    s = state.settings
    starts = when(s.starts_at, lang, settings.timezone) if s.starts_at is not None else ""
    fill = {"name": person.name, "title": s.title, "when": starts}
    text = {
        "greeting": t["mail_greeting"].format(**fill),
        "intro": t[f"mail_intro_{kind}"].format(**fill),
        "when": t["mail_when"].format(**fill) if starts else "",
        "link_intro": t["mail_link_intro"],
        "button": t["mail_button"],
        "replaces": t["mail_replaces"],
        "check": t["mail_check"],
        "signature": t["mail_signature"],
    }
    subject = t[f"mail_subject_{kind}"].format(**fill)
    context = {
        "t": text,
        "url": url,
        "check_url": f"{settings.base_url()}/check?lang={lang}",
        "lang": lang,
        "subject": subject,
    }
    message = envelope(settings, person, subject, lang, now)
    message.set_content(_JINJA.get_template("message.txt").render(**context))
    message.add_alternative(_JINJA.get_template("message.html").render(**context), subtype="html")
    if s.starts_at is not None:
        calendar = ics(state, t["mail_ics_description"].format(**fill), now)
        message.add_attachment(
            calendar.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="event.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return message


@dataclass(frozen=True)
class Job:
    """One e-mail to send: whose, which kind, with which (new) link."""

    event_id: str
    participant: str
    kind: MailKind
    batch: str
    url: str
    summary: Mapping[str, Any] | None = None  # a summary's content (``engine.summary_payload``)


def failure(exc: BaseException) -> tuple[str, str]:
    """``(code, reason)`` of an e-mail that failed: ``refused`` (the server said no to the
    address), ``unreachable``, ``auth``, ``timeout`` or ``error``, and what the server said."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
        return "refused", said or "the mail server refused the address"
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return "refused", f"{exc.code} {exc.message}"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return "auth", f"{exc.code} {exc.message}"
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError | aiosmtplib.SMTPTimeoutError):
        return "timeout", str(exc) or "the mail server did not answer in time"
    if isinstance(exc, TimeoutError):
        return "timeout", "the mail server did not answer in time"
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
        return "unreachable", str(exc)
    if isinstance(exc, OSError):
        return "unreachable", exc.strerror or str(exc)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return "error", f"{exc.code} {exc.message}"
    return "error", f"{type(exc).__name__}: {exc}"


class Outbox:
    """Sends queued e-mails, ``smtp_concurrency`` at once, and logs each one's outcome."""

    def __init__(self, settings: Settings, owner: Owner, now: Callable[[], int]) -> None:
        self._settings = settings
        self._owner = owner
        self._now = now
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._tls = ssl.create_default_context()

    @property
    def enabled(self) -> bool:
        """Whether SMTP is configured."""
        return bool(self._settings.smtp_host)

    def submit(self, jobs: Sequence[Job]) -> None:
        """Queue e-mails (their ``queued`` status is in the log already)."""
        for job in jobs:
            self._queue.put_nowait(job)

    def pending(self) -> int:
        """E-mails waiting for a worker."""
        return self._queue.qsize()

    async def run(self) -> None:
        """``smtp_concurrency`` workers until cancelled."""
        async with asyncio.TaskGroup() as group:
            for i in range(self._settings.smtp_concurrency):
                group.create_task(self._work(), name=f"mail worker {i}")

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._one(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("e-mail to %s of event %s", job.participant, job.event_id)
            finally:
                self._queue.task_done()

    async def _one(self, job: Job) -> None:
        state = await self._owner.store.load(job.event_id)
        person = state.participants.get(job.participant) if state else None
        if state is None or person is None or not person.email:
            return  # the event or the person was removed meanwhile
        try:
            await self._send(self._compose(state, person, job))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            code, reason = failure(exc)
            log.warning(
                "e-mail to %s of event %s failed: %s (%s)",
                job.participant,
                job.event_id,
                code,
                reason,
            )
            entry = invites.failed(job.participant, job.kind, job.batch, self._now(), code, reason)
        else:
            entry = invites.sent(job.participant, job.kind, job.batch, self._now())
        try:
            await self._owner.append(job.event_id, [entry])
        except SpeedmeetError as exc:
            log.warning("mail status of event %s not kept: %s", job.event_id, exc.message)

    def _compose(self, state: EventState, person: Participant, job: Job) -> EmailMessage:
        if job.summary is None:
            return compose(self._settings, state, person, job.url, job.kind, self._now())
        recap = recap_mail.content(state, person, job.url, job.summary)
        message = envelope(self._settings, person, recap.subject, recap.lang, self._now())
        message.set_content(recap.text)
        message.add_alternative(recap.html, subtype="html")
        if recap.vcf:
            message.add_attachment(
                recap.vcf.encode("utf-8"),
                maintype="text",
                subtype="vcard",
                filename="contacts.vcf",
                params={"charset": "utf-8"},
            )
        return message

    async def _send(self, message: EmailMessage) -> None:
        s = self._settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_security == "tls",
            start_tls=True if s.smtp_security == "starttls" else False,
            tls_context=self._tls,
            timeout=s.smtp_timeout_seconds,
        )
