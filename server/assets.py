"""Where the web files are: inside the installed package (``server/web``), or beside it in a
checkout of the repository (``web/``)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def web_root() -> Path:
    """The folder of ``templates/``, ``static/`` and ``i18n/``."""
    installed = _HERE / "web"
    return installed if (installed / "templates").is_dir() else _HERE.parent / "web"


WEB = web_root()
