"""What the summary e-mail says: everyone met in order, with the person's own ratings and
notes, the mutual follow-ups with their contacts, the link to the summary, and those contacts
as a vCard file; in the person's language. Only mutual follow-ups carry contacts (a wish of
one person alone is not in the summary it is made from, ``engine.summary_payload``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from . import i18n, recaps, vcard
from .assets import WEB
from .model import EventState, Participant

_JINJA = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEB / "templates" / "mail"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


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
            note=t["vcard_note"].format(event=state.settings.title, round=number),
        )
        for number, p in recaps.mutual_peers(summary)
    )


def content(state: EventState, person: Participant, url: str, summary: Mapping[str, Any]) -> Recap:
    """The summary e-mail to ``person``, with the link ``url`` to their summary."""
    lang = person.language or state.settings.language
    t = i18n.strings(lang)
    fill = {"name": person.name, "title": state.settings.title}
    subject = t["mail_subject_summary"].format(**fill)
    mutual = [p for _, p in recaps.mutual_peers(summary)]
    context = {
        "t": t,
        "lang": lang,
        "subject": subject,
        "greeting": t["mail_greeting"].format(**fill),
        "intro": t["mail_intro_summary"].format(**fill),
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
