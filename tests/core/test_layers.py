"""Dependencies point inward: the core imports no transport, store, network or event loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
MATCHING = sorted(p.stem for p in (SERVER / "matching").glob("*.py"))
CORE = [
    "clock",
    "rooms",
    "model",
    "engine",
    "roster",
    "views",
    "logs",
    "deadlines",
    "links",
    "intake",
    "spreadsheet",
    "deltas",
    "meter",
    "figures",
    "profiles",
    "directory",
] + [f"matching/{name}" for name in MATCHING]
# what the core may import from the package itself (the matching package among its own modules)
INSIDE = {
    "clock", "matching", "rooms", "model", "engine", "roster", "views", "errors", "logs",
    "deadlines", "links", "intake", "spreadsheet", "events", "invites", "deltas", "meter", "figures",
    "profiles", "directory",
}  # fmt: skip
FORBIDDEN = {"aiohttp", "socketio", "engineio", "redis", "aiortc", "aioice", "av", "asyncio"}


def imports(module: str) -> list[tuple[int, str]]:
    """(level, module name) of every import statement; level > 0 for relative imports."""
    tree = ast.parse((SERVER / f"{module}.py").read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level and node.module is None:
                found += [(node.level, alias.name) for alias in node.names]
            else:
                found.append((node.level, node.module or ""))
    return found


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_io(module: str) -> None:
    absolute = {name.split(".")[0] for level, name in imports(module) if level == 0}
    assert not absolute & FORBIDDEN
    assert "server" not in absolute  # inside the package, relative imports only


@pytest.mark.parametrize("module", CORE)
def test_core_imports_only_the_core(module: str) -> None:
    depth = module.count("/") + 1  # the level of a relative import that reaches server/
    relative = {name.split(".")[0] for level, name in imports(module) if level == depth}
    assert relative <= INSIDE, f"{module} imports {relative - INSIDE}"
    siblings = {name.split(".")[0] for level, name in imports(module) if 0 < level < depth}
    assert siblings <= set(MATCHING), f"{module} imports {siblings - set(MATCHING)}"
    assert all(level <= depth for level, _ in imports(module))


def test_the_check_sees_imports() -> None:
    """Guard the guard: the parser finds a transport module's imports."""
    names = {name for _, name in imports("sockets")}
    assert {"socketio", "asyncio"} <= names


@pytest.mark.parametrize(
    "module", ["board", "conductor", "service", "leases", "presence", "reminders", "mail"]
)
def test_the_owner_side_imports_no_transport_but_the_namespaces(module: str) -> None:
    """The owner and its background parts never reach for aiohttp, nor the board for sockets."""
    absolute = {name.split(".")[0] for level, name in imports(module) if level == 0}
    assert not absolute & {"aiohttp", "socketio", "engineio", "aiortc"}
    relative = {name.split(".")[0] for level, name in imports(module) if level == 1}
    assert "http" not in relative
    if module != "presence":  # presence re-records this process's sockets after a long pause
        assert "sockets" not in relative
