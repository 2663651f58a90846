"""Relay-only signaling: which ICE candidates a signal may carry to a partner while an event is
relay-only (only ``typ relay``: the TURN server's address, never a person's own host, server-
reflexive or peer-reflexive address), and the signal with every other one taken out; a relay
candidate's related address (``raddr``: the person's public address) and the default address
of ``c=`` lines are masked.

Pure: a page of any version may send a trickled ``{"candidate": {"candidate": "candidate:…"}}``
or a ``{"description": {"type", "sdp"}}`` whose SDP holds ``a=candidate:`` lines; both are
filtered here before the server relays them (server/signaling.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

RELAY = "relay"


def candidate_type(line: str) -> str | None:
    """The ``typ`` of an ICE candidate line (``candidate:…`` or ``a=candidate:…``, RFC 8839),
    or ``None`` when the line names none (an end-of-candidates mark, or not a candidate)."""
    words = line.split()
    for i, word in enumerate(words[:-1]):
        if word == "typ" and i >= 4:
            return words[i + 1].lower()
    return None


def without_related(line: str) -> str:
    """A relay candidate without its related address: ``raddr`` is the person's own address as
    the TURN server saw it (their public one), which the partner does not need to connect."""
    body = line.rstrip("\r\n")
    end = line[len(body) :]
    words = body.split(" ")
    for i, word in enumerate(words[:-1]):
        if word == "raddr":
            words[i + 1] = "::" if ":" in words[i + 1] else "0.0.0.0"
        elif word == "rport":
            words[i + 1] = "0"
    return " ".join(words) + end


def relayed_only(data: dict[str, Any]) -> tuple[dict[str, Any] | None, Counter[str]]:
    """``data`` as a relay-only event passes it on, and the candidate types taken out of it.

    A trickled candidate that is not ``typ relay`` drops the whole signal (``None``); an empty
    one (end of candidates) passes. A description keeps only its ``a=candidate`` lines of type
    relay. A candidate line whose type cannot be read is dropped too (counted as ``unknown``):
    nothing is passed on that might carry an address.
    """
    dropped: Counter[str] = Counter()
    candidate = data.get("candidate")
    if isinstance(candidate, dict):
        line = candidate.get("candidate")
        if not isinstance(line, str) or not line.strip():
            return data, dropped  # end of candidates: no address
        kind = candidate_type(line) or "unknown"
        if kind != RELAY:
            dropped[kind] += 1
            return None, dropped
        hidden = without_related(line)
        if hidden != line:
            dropped["related"] += 1
            return {**data, "candidate": {**candidate, "candidate": hidden}}, dropped
        return data, dropped
    if candidate is not None:
        dropped["unknown"] += 1  # not what a page sends: pass nothing of it on
        return None, dropped
    description = data.get("description")
    if isinstance(description, dict) and isinstance(description.get("sdp"), str):
        sdp, dropped = relay_lines(description["sdp"])
        if dropped:
            return {**data, "description": {**description, "sdp": sdp}}, dropped
    return data, dropped


# The "default candidate" a browser may write into ``c=`` and ``a=rtcp:`` lines once gathering
# is done: ICE agents ignore it, so it is masked like a placeholder (RFC 8839 uses 0.0.0.0).
_MASKED = {"IP4": "0.0.0.0", "IP6": "::"}


def relay_lines(sdp: str) -> tuple[str, Counter[str]]:
    """``sdp`` without its ``a=candidate`` lines of a type other than relay, and with the
    addresses of its ``c=`` and ``a=rtcp:`` lines masked (counted as ``address`` when one was
    not masked already); line ends are kept."""
    dropped: Counter[str] = Counter()
    kept: list[str] = []
    for line in sdp.splitlines(keepends=True):
        if line.startswith(("a=candidate:", "a=candidate ")):
            kind = candidate_type(line) or "unknown"
            if kind != RELAY:
                dropped[kind] += 1
                continue
            hidden = without_related(line)
            if hidden != line:
                dropped["related"] += 1
                line = hidden
        elif line.startswith(("c=", "a=rtcp:")):
            masked = _mask(line)
            if masked != line:
                dropped["address"] += 1
                line = masked
        kept.append(line)
    return "".join(kept), dropped


def _mask(line: str) -> str:
    """A ``c=IN IP4 addr`` or ``a=rtcp:port IN IP4 addr`` line with its address masked."""
    body = line.rstrip("\r\n")
    end = line[len(body) :]
    words = body.split(" ")
    for i in range(len(words) - 2):
        if words[i].endswith("IN") and words[i + 1] in _MASKED:
            words[i + 2] = _MASKED[words[i + 1]]
            return " ".join(words) + end
    return line
