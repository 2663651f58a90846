"""What every follow-up e-mail says: a proposal of times, a booking (with an ``.ics`` request),
a cancellation (an ``.ics`` cancel of the same booking), the reminder the day before. Each in the
recipient's language, its times in the recipient's time zone (``followups.zone_of``: UTC, said,
when no zone is known), with the recipient's own links (their summary, their follow-up room)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal

from .. import assets
from ..core import followups, words
from ..core.followups import FollowUp
from ..core.model import EventState, Participant
from ..settings import Settings
from . import compose

What = Literal["proposed", "booked", "cancelled", "reminder"]


@dataclass(frozen=True)
class Booking:
    """One follow-up e-mail to send: which (``what``), the follow-up as it stood, the other
    person of the pair, and the recipient's links (their summary page, their follow-up room)."""

    what: What
    followup: FollowUp
    peer: str
    summary_url: str
    room_url: str


def uid(event_id: str, pair: str, start: int) -> str:
    """The calendar id of a booking: the same for its request and its cancellation."""
    return f"followup-{event_id}-{pair.replace('~', '-')}-{start}@speedmeet"


def message(
    settings: Settings, state: EventState, person: Participant, booking: Booking, now: int
) -> EmailMessage:
    """The e-mail of ``booking`` to ``person``."""
    lang = person.language or state.settings.language
    t = assets.strings(lang)
    fu = booking.followup
    peer = state.participants[booking.peer]
    tz = followups.zone_of(fu, person.id)
    fill = {"name": peer.name, "title": state.settings.title, "by": _by(state, fu, person, t)}
    times = fu.times if booking.what == "proposed" else (fu.start,) if fu.start else ()
    when = [compose.when(ms, lang, tz or "UTC") for ms in times]
    if when:
        fill["when"] = when[0]
    subject = words.fill(t[f"mail_subject_followup_{booking.what}"], lang, **fill)
    room = booking.what in ("booked", "reminder")
    url = booking.room_url if room else booking.summary_url
    context = {
        "lang": lang,
        "subject": subject,
        "greeting": words.fill(t["mail_greeting"], lang, name=person.name),
        "intro": words.fill(t[f"mail_intro_followup_{booking.what}"], lang, **fill),
        "when": when,
        "zone": "" if tz else t["mail_followup_utc"],
        "link_intro": t["mail_followup_room_intro" if room else "mail_followup_summary_intro"],
        "button": t["mail_followup_room_button" if room else "mail_summary_button"],
        "url": url,
        "attached": t["mail_followup_ics"] if booking.what in ("booked", "cancelled") else "",
        "signature": t["mail_signature"],
    }
    out = compose.envelope(settings, person, subject, lang, now)
    out.set_content(compose.render("followup.txt", context))
    out.add_alternative(compose.render("followup.html", context), subtype="html")
    if booking.what in ("booked", "cancelled") and fu.start is not None:
        method = "REQUEST" if booking.what == "booked" else "CANCEL"
        text = words.fill(t["mail_followup_ics_description"], lang, **fill)
        file = compose.calendar(
            uid=uid(state.id, fu.pair, fu.start),
            start=fu.start,
            end=fu.start + followups.LENGTH_MS,
            title=words.fill(t["mail_followup_ics_title"], lang, **fill),
            description=f"{text}\n{booking.room_url}" if method == "REQUEST" else text,
            now=now,
            method=method,
            url=booking.room_url if method == "REQUEST" else "",
            organizer=parseaddr(settings.smtp_from)[1],
            attendees=[(p.name, p.email) for p in (person, peer) if p.email],
            sequence=0 if method == "REQUEST" else 1,
        )
        out.add_attachment(
            file.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="followup.ics",
            params={"method": method, "charset": "utf-8"},
        )
    return out


def _by(state: EventState, fu: FollowUp, person: Participant, t: dict[str, str]) -> str:
    """Who did what the e-mail tells: the other person by name, or "you"."""
    if fu.by == person.id:
        return t["mail_followup_by_you"]
    who = state.participants.get(fu.by)
    return who.name if who is not None else ""
