"""Links kept for mailings (``links.to_send``, ``invites.send``): an e-mail carries the link the
person has; only the organiser's "new link" (or the links file) replaces one; a link made
before tokens were kept is replaced at its next e-mail, as every mailing did before."""

from __future__ import annotations

import msgspec

from server.core.model import AuditEntry, EventState, MailBatch, MailStatus
from server.core.outcome import LINKS, Message
from server.mail import invites, merge
from server.people import links
from tests.core.states import T0, event


def kept(pids: list[str]) -> EventState:
    """An event whose people's tokens are kept (``tok-<id>``, the hashes ``states`` gives)."""
    state = event(pids)
    people = {
        pid: msgspec.structs.replace(p, token=f"tok-{pid}") for pid, p in state.participants.items()
    }
    return msgspec.structs.replace(state, participants=people)


def test_an_invitation_carries_the_link_the_person_has() -> None:
    state = kept(["c1", "s1"])
    out = invites.send(state, ["c1", "s1"], {}, "invitation", "b1", T0, "admin")
    assert out.result == {"queued": ["c1", "s1"], "tokens": {"c1": "tok-c1", "s1": "tok-s1"}}
    assert out.state is state and out.messages == []  # no link replaced, no page closed
    assert out.entries == [
        AuditEntry(at=T0, actor="admin", action="send_invitation", detail="2"),
        MailBatch(kind="invitation", batch="b1", at=T0, count=2),
        MailStatus(participant="c1", kind="invitation", status="queued", at=T0, batch="b1"),
        MailStatus(participant="s1", kind="invitation", status="queued", at=T0, batch="b1"),
    ]
    again = invites.send(out.state, ["s1"], {"s1": "unused"}, "invitation", "b2", T0, "admin")
    assert again.result["tokens"] == {"s1": "tok-s1"}


def test_a_link_that_cannot_be_recovered_is_replaced_at_its_next_email() -> None:
    state = kept(["c1"])
    before = event(["s1"]).participants["s1"]  # a record of an earlier version: no token
    state = msgspec.structs.replace(state, participants={**state.participants, "s1": before})
    fresh = {"c1": "new-c1", "s1": "new-s1"}
    out = invites.send(state, ["c1", "s1"], fresh, "reminder", "b1", T0, "clock", T0 + 1)
    assert out.result["tokens"] == {"c1": "tok-c1", "s1": "new-s1"}
    s1 = out.state.participants["s1"]
    assert (s1.token, s1.token_hash) == ("new-s1", links.token_hash("new-s1"))
    assert out.state.participants["c1"] == state.participants["c1"]
    assert out.messages == [Message(LINKS, "revoked", {"token_hash": before.token_hash})]
    assert out.state.version == state.version + 1


def test_the_organisers_new_link_replaces_it_and_is_kept() -> None:
    state = kept(["c1"])
    out = links.reissue(state, {"c1": "again", "host": "host-2"}, T0, "admin", "reissue_link")
    c1 = out.state.participants["c1"]
    assert (c1.token, c1.token_hash) == ("again", links.token_hash("again"))
    assert out.state.host_token_hash == links.token_hash("host-2")  # staff links: a hash only
    revoked = [m.data["token_hash"] for m in out.messages]
    assert revoked == [state.participants["c1"].token_hash, state.host_token_hash]
    mailed = invites.send(out.state, ["c1"], {}, "invitation", "b1", T0, "admin")
    assert mailed.result["tokens"] == {"c1": "again"}


def test_the_links_file_makes_new_links_that_later_emails_carry() -> None:
    state = kept(["c1", "s1"])
    out = merge.hand_out(state, {"c1": "file-c1"}, T0, "b1")
    assert out.state.participants["c1"].token == "file-c1"
    assert out.state.participants["s1"] == state.participants["s1"]
    assert out.entries[-1] == MailStatus(
        participant="c1", kind="links", status="downloaded", at=T0, batch="b1"
    )
    mailed = invites.send(out.state, ["c1"], {}, "invitation", "b2", T0, "admin")
    assert mailed.result["tokens"] == {"c1": "file-c1"}
