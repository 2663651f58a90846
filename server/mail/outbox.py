"""The outbox: e-mails sent over SMTP by a few workers at once (``smtp_concurrency``), each
outcome appended to the event's mail log (sent, or failed and why)."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from ..core.model import EventState, MailKind, Participant
from ..errors import SpeedmeetError
from ..live.owner import Owner
from ..settings import Settings
from ..tasks import together
from . import bookings, compose, invites

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One e-mail to send: whose, which kind, with which (new) link."""

    event_id: str
    participant: str
    kind: MailKind
    batch: str
    url: str
    summary: Mapping[str, Any] | None = None  # a summary's content (``results.summary``)
    followup: bookings.Booking | None = None  # a follow-up e-mail's (``mail.bookings``)


# an address as a mail server quotes it in its answer ("550 5.1.1 <a@b.example>: ...")
ADDRESS = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+")


def failure(exc: BaseException) -> tuple[str, str]:
    """``(code, reason)`` of an e-mail that failed: ``refused`` (the server said no to the
    address), ``unreachable``, ``auth``, ``timeout`` or ``error``, and what the server said,
    without the address it may quote (addresses are kept only sealed; the reason is logged
    and kept in clear)."""
    code, said = _failure(exc)
    return code, ADDRESS.sub("(address)", said)


def _failure(exc: BaseException) -> tuple[str, str]:
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
        await together(*(self._work() for _ in range(self._settings.smtp_concurrency)))

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
        if job.followup is not None:
            return bookings.message(self._settings, state, person, job.followup, self._now())
        if job.summary is None:
            return compose.compose(self._settings, state, person, job.url, job.kind, self._now())
        recap = compose.content(state, person, job.url, job.summary)
        message = compose.envelope(self._settings, person, recap.subject, recap.lang, self._now())
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
