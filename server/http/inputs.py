"""HTTP request bodies (see docs/protocol.md), validated with errors that name the row and field;
their texts cleaned of control characters as they arrive (``core.texts``)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from ..core.model import WishLevel
from ..core.relevance import folding
from ..core.texts import Cleaned
from ..errors import ProtocolError
from ..people import profiles

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
T = TypeVar("T")


class MatchingIn(Cleaned, frozen=True, forbid_unknown_fields=True):
    """``matching`` of a new event."""

    mode: Literal["bipartite", "open"] = "open"
    sides: list[Name] = msgspec.field(default_factory=list)
    odd: Literal["trio", "wait"] | None = None


Directory = Literal["everyone", "names", "invited_only", "none"]
KnownTags = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=100)
]
Synonyms = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=folding.SYNONYM_LINE_MAX)]],
    msgspec.Meta(max_length=folding.SYNONYMS_MAX),
]
Epoch = Annotated[int, msgspec.Meta(ge=0, le=32503680000000)]  # milliseconds, before 3000
Policy = Annotated[str, msgspec.Meta(max_length=20_000)]


class SignupIn(Cleaned, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``signup``: the registration link's rules (fields left out stay as they are)."""

    MULTILINE = frozenset({"policy"})

    open: bool | msgspec.UnsetType = msgspec.UNSET
    cap: Annotated[int, msgspec.Meta(ge=1, le=100000)] | msgspec.UnsetType | None = msgspec.UNSET
    closes_at: Epoch | msgspec.UnsetType | None = msgspec.UNSET
    policy: Policy | msgspec.UnsetType = msgspec.UNSET


class EventIn(Cleaned, frozen=True, forbid_unknown_fields=True):
    """``POST /api/events``."""

    title: Name
    round_seconds: Annotated[int, msgspec.Meta(ge=10, le=7200)]
    rounds: Annotated[int, msgspec.Meta(ge=1, le=200)]
    break_seconds: Annotated[int, msgspec.Meta(ge=0, le=7200)] = 60
    matching: MatchingIn = MatchingIn()
    no_show_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] | None = None
    language: Literal["en", "fr"] | None = None
    starts_at: Epoch | None = None
    reminder_minutes: Annotated[int, msgspec.Meta(ge=0, le=20160)] | None = None
    signup: SignupIn = SignupIn()
    directory: Directory = "everyone"
    tags: KnownTags = msgspec.field(default_factory=list)
    ice_transport_policy: Literal["all", "relay"] | None = None
    relevance: bool = True
    synonyms: Synonyms = msgspec.field(default_factory=list)


class MatchingPatch(Cleaned, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``matching`` of ``PATCH /api/events/{id}``."""

    mode: Literal["bipartite", "open"] | msgspec.UnsetType = msgspec.UNSET
    sides: list[Name] | msgspec.UnsetType = msgspec.UNSET
    odd: Literal["trio", "wait"] | msgspec.UnsetType = msgspec.UNSET


class EventPatch(Cleaned, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``PATCH /api/events/{id}``: the settings to change (the others stay)."""

    title: Name | msgspec.UnsetType = msgspec.UNSET
    round_seconds: Annotated[int, msgspec.Meta(ge=10, le=7200)] | msgspec.UnsetType = msgspec.UNSET
    rounds: Annotated[int, msgspec.Meta(ge=1, le=200)] | msgspec.UnsetType = msgspec.UNSET
    break_seconds: Annotated[int, msgspec.Meta(ge=0, le=7200)] | msgspec.UnsetType = msgspec.UNSET
    matching: MatchingPatch | msgspec.UnsetType = msgspec.UNSET
    no_show_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] | msgspec.UnsetType = msgspec.UNSET
    language: Literal["en", "fr"] | msgspec.UnsetType = msgspec.UNSET
    starts_at: Epoch | msgspec.UnsetType | None = msgspec.UNSET
    reminder_minutes: Annotated[int, msgspec.Meta(ge=0, le=20160)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    signup: SignupIn | msgspec.UnsetType = msgspec.UNSET
    directory: Directory | msgspec.UnsetType = msgspec.UNSET
    tags: KnownTags | msgspec.UnsetType = msgspec.UNSET
    ice_transport_policy: Literal["all", "relay"] | msgspec.UnsetType = msgspec.UNSET
    relevance: bool | msgspec.UnsetType = msgspec.UNSET
    synonyms: Synonyms | msgspec.UnsetType = msgspec.UNSET


def synonym_lines(lines: list[str]) -> tuple[str, ...]:
    """The event's synonym lines as kept (blank ones dropped); ``400`` naming a line that does
    not name two different tags."""
    kept = tuple(" ".join(line.split()) for line in lines if line.strip())
    for n, line in enumerate(kept, 1):
        why = folding.line_problem(line)
        if why:
            raise ProtocolError(
                "bad_request",
                f'Line {n} of the tags that mean the same ("{line}"): write two different '
                'tags or more separated by ~, e.g. "mobilité ~ transports".',
                field="synonyms",
                index=n - 1,
                why=why,
                line=n,
                value=line,
                **({"limit": folding.SYNONYM_LINE_MAX} if why == "too_long" else {}),
            )
    return kept


def given_fields(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a patch sets, nested objects as dicts of theirs (``sides`` as a tuple)."""
    out: dict[str, Any] = {}
    for name in patch.__struct_fields__:
        value = getattr(patch, name)
        if value is msgspec.UNSET:
            continue
        if isinstance(value, msgspec.Struct):
            value = given_fields(value)
        elif name == "sides":
            value = tuple(value)
        elif name == "tags":
            value = profiles.normal_tags(value)
        elif name == "synonyms":
            value = synonym_lines(value)
        out[name] = value
    return out


class LinkIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /api/events/{id}/links``: whose link to make anew."""

    who: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class WishIn(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    rename={"source": "from", "target": "to"},
):
    """One row of ``POST /api/events/{id}/wishes``."""

    source: Annotated[str, msgspec.Meta(min_length=1)]
    target: Annotated[str, msgspec.Meta(min_length=1)]
    level: WishLevel = "like"


_AT = re.compile(r" - at `\$([^`]*)`$")  # where: "$.matching.sides[0]"
_NAMED = re.compile(r"field `(\w+)`|^`(\w+)` holds")  # "missing required field `name`"...
_LENGTH = re.compile(r"Expected `(\w+)` of length (<=|>=) (\d+)$")
_BOUND = re.compile(r"Expected `\w+` (<=|>=) (-?\d+(?:\.\d+)?)$")
# what a message says (its start) → why
_SAID = (
    ("Expected `", "bad_type"),  # "Expected `int`, got `str`"
    ("Invalid enum value", "bad_value"),
    ("Object missing required field", "missing"),
    ("Object contains unknown field", "unknown_field"),
)


def problem_of(exc: msgspec.ValidationError) -> dict[str, Any]:
    """What a validation error says, for a page to word it beside its field: the ``field`` (a
    path, nested ones dotted: ``signup.cap``), ``index`` (of a list's item), ``why`` (``too_high``,
    ``too_low``, ``too_long``, ``too_short``, ``empty``, ``too_many``, ``too_few``, ``bad_type``,
    ``bad_value``, ``missing``, ``unknown_field``, ``control_only``) and its ``limit``."""
    text = str(exc)
    at = _AT.search(text)
    said = text[: at.start()] if at else text
    path = at.group(1) if at else ""
    keys = re.findall(r"\.(\w+)", path)
    named = _NAMED.search(said)
    if named:
        keys.append(named.group(1) or named.group(2))
    out: dict[str, Any] = {"field": ".".join(keys)} if keys else {}
    indices = re.findall(r"\[(\d+)\]", path)
    if indices:
        out["index"] = int(indices[-1])
    if length := _LENGTH.match(said):
        kind, op, limit = length.group(1), length.group(2), int(length.group(3))
        if kind == "str":
            why = "too_long" if op == "<=" else "empty" if limit == 1 else "too_short"
        else:
            why = "too_many" if op == "<=" else "too_few"
        return {**out, "why": why, "limit": limit}
    if bound := _BOUND.match(said):
        number = float(bound.group(2))
        bounded = int(number) if number.is_integer() else number
        why = "too_high" if bound.group(1) == "<=" else "too_low"
        return {**out, "why": why, "limit": bounded}
    if "holds only control characters" in said:
        return {**out, "why": "control_only"}
    for start, why in _SAID:
        if said.startswith(start) and (why != "bad_type" or ", got `" in said):
            return {**out, "why": why}
    return out


def convert_one(data: Any, kind: type[T], what: str) -> T:
    """Validate one object; the error names the field (``problem_of``)."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        raise ProtocolError("bad_request", f"{what}: {exc}.", **problem_of(exc)) from exc


def convert_rows(rows: Any, kind: type[T]) -> list[T]:
    """Validate a list of objects; the error names the row (from 1) and the field."""
    if not isinstance(rows, list):
        raise ProtocolError("bad_request", "Send a JSON list of objects.")
    out: list[T] = []
    for i, row in enumerate(rows, start=1):
        try:
            out.append(msgspec.convert(row, kind))
        except msgspec.ValidationError as exc:
            found = problem_of(exc)
            field = found.pop("field", None)
            where = f"row {i}, field {field!r}" if field else f"row {i}"
            raise ProtocolError(
                "bad_row", f"{where}: {exc}. Nothing was stored.", row=i, field=field, **found
            ) from exc
    return out
