"""Errors typed by who sees them: the person (``UserError``) or a broken client."""

from __future__ import annotations

from typing import Any


class SpeedmeetError(Exception):
    """Base of every error we translate to the wire."""

    status = 500

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def to_wire(self) -> dict[str, Any]:
        """The ``error`` object of an ack or an HTTP body."""
        return {"code": self.code, "message": self.message, **self.detail}


class UserError(SpeedmeetError):
    """Something the person asked for cannot be done now; the message tells them why."""

    status = 409


class ProtocolError(SpeedmeetError):
    """The client broke the wire contract (bad payload, unknown field, wrong type)."""

    status = 400


class NotFound(SpeedmeetError):
    """The event, participant or room does not exist."""

    status = 404


class Unauthorized(SpeedmeetError):
    """A missing or wrong token."""

    status = 401


class Conflict(SpeedmeetError):
    """Another writer changed the event first; retry."""

    status = 409


class Fenced(SpeedmeetError):
    """This process acted on a lease it no longer holds; another process runs the event now."""

    status = 409


class Damaged(SpeedmeetError):
    """Stored data that cannot be read; the log names it (an operator has to look)."""

    status = 500


class Unavailable(SpeedmeetError):
    """The store cannot be reached right now; nothing was changed, the person may try again."""

    status = 503


class Unknown(SpeedmeetError):
    """A write was sent and its answer never came: it may have been made (``unconfirmed``).
    Never reported as "nothing was changed"."""

    status = 503


class StartupRefused(Exception):
    """The server must not start as configured; the message says why and what to do."""


class TooLarge(SpeedmeetError):
    """What was sent is bigger than this server takes (a photo)."""

    status = 413
