"""Dependencies point inward, stated for the folders of ``server/``: the core imports no
transport, store, network or event loop; people and results build on the core alone; the live
layer reaches neither the sockets nor HTTP; the store knows no live module. A new module is held
to its folder's rules without being listed anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"

# The part of each module: its folder under server/, or for a module directly in server/ its
# own name, but for the two the design keeps at the top: the rooms of a round are the core's,
# the signaling the live layer's.
TOP_PARTS = {"rooms": "core", "signaling": "live"}
TRANSPORTS = {"sockets", "http", "app", "__main__"}
# what each part may not import, of the package (parts) and of the libraries (their top names)
FORBIDDEN_PARTS: dict[str, set[str]] = {
    "core": {"people", "results", "mail", "live", "store", "signaling", *TRANSPORTS},
    "people": {"results", "mail", "live", "store", "signaling", *TRANSPORTS},
    "results": {"people", "mail", "live", "store", "signaling", *TRANSPORTS},
    "live": TRANSPORTS,
    "store": {"live", "mail", "signaling", *TRANSPORTS},
    "mail": TRANSPORTS,
    "sockets": {"http", "app", "__main__"},
    "http": {"sockets", "app", "__main__"},
}
IO = {"aiohttp", "socketio", "engineio", "redis", "aiortc", "aioice", "av", "aiosmtplib", "jinja2"}
FORBIDDEN_LIBS: dict[str, set[str]] = {
    "core": {*IO, "asyncio", "sqlite3", "PIL", "openpyxl", "prometheus_client"},
    "people": {*IO, "asyncio"},
    "results": {*IO, "asyncio"},
    "live": {"aiohttp"},
    "store": {"aiohttp", "aiortc"},
}
HEAVY = {
    "numpy",
    "scipy",
    "rustworkx",
    "sklearn",
    "snowballstemmer",
}  # what loading the settings must not pull in


def part_of(module: str) -> str:
    """``server.core.clock`` → ``core``; ``server.rooms`` → ``core``; ``server.app`` → ``app``."""
    names = module.split(".")
    if len(names) < 2:
        return ""
    first = names[1]
    if len(names) == 2 or (len(names) == 3 and names[2] == "__init__"):
        return TOP_PARTS.get(first, first)
    return first


def module_of(path: Path) -> str:
    """The dotted name of a file of the package."""
    rel = path.relative_to(SERVER.parent).with_suffix("")
    return ".".join(rel.parts)


def imports(module: str, source: str) -> list[str]:
    """Every module ``source`` (the text of ``module``) imports, as absolute dotted names."""
    package = module.split(".")[:-1]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # ``from . import x``: x may be a module; count both the package and x
            found.append(stem)
            found += [f"{stem}.{alias.name}" for alias in node.names]
    return found


def violations(module: str, source: str) -> list[str]:
    """What ``source``, as the text of ``module``, imports against its part's rules."""
    part = part_of(module)
    wrong: list[str] = []
    for name in imports(module, source):
        top = name.split(".")[0]
        if top == "server":
            if part_of(name) in FORBIDDEN_PARTS.get(part, set()) and _exists(name):
                wrong.append(f"{module} ({part}) imports {name} ({part_of(name)})")
        elif top in FORBIDDEN_LIBS.get(part, set()):
            wrong.append(f"{module} ({part}) imports the library {top}")
    return wrong


def _exists(name: str) -> bool:
    """Whether a dotted name of the package is a module or package (not a class in one)."""
    path = SERVER.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = sorted(module_of(p) for p in SERVER.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_each_module_keeps_to_its_parts_rules(module: str) -> None:
    path = SERVER.parent.joinpath(*module.split(".")).with_suffix(".py")
    assert violations(module, path.read_text(encoding="utf-8")) == []


def test_the_parts_are_the_design_s() -> None:
    """Folders by part, the design's two modules at their paths, a short top level."""
    parts = {p.name for p in SERVER.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert parts == {"core", "people", "results", "mail", "live", "sockets", "http", "store"}
    assert (SERVER / "rooms.py").exists() and (SERVER / "signaling.py").exists()
    assert len(list(SERVER.glob("*.py"))) <= 12


def test_no_module_is_long() -> None:
    long = {
        module_of(p): n
        for p in SERVER.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}


@pytest.mark.parametrize(
    ("module", "planted"),
    [
        ("server.core.clock", "from ..http import api\n"),
        ("server.core.clock", "from server.http.api import routes\n"),
        ("server.rooms", "from .sockets import participant\n"),
        ("server.core.matching.solve", "from ...store import base\n"),
        ("server.people.register", "from ..live.owner import Owner\n"),
        ("server.results.figures", "import asyncio\n"),
        ("server.live.conductor", "from ..sockets.host import HostNamespace\n"),
        ("server.signaling", "from .http import pages\n"),
        ("server.store.embedded", "from ..live import owner\n"),
        ("server.core.clock", "import aiohttp\n"),
    ],
)
def test_the_check_finds_a_planted_import(module: str, planted: str) -> None:
    """Guard the guard: an import against the rules, planted in a real module, is found."""
    path = SERVER.parent.joinpath(*module.split(".")).with_suffix(".py")
    assert violations(module, path.read_text(encoding="utf-8") + planted)


def _closure(module: str) -> set[str]:
    """Every module loading ``module`` loads (of the package, and the libraries' top names)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = SERVER.parent.joinpath(*name.split("."))
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            if candidate.exists():
                todo += [
                    n if n.startswith("server") else n.split(".")[0]
                    for n in imports(name if candidate.stem != "__init__" else f"{name}.__init__",
                                     candidate.read_text(encoding="utf-8"))
                    if not n.startswith("server") or _exists(n)
                ]  # fmt: skip
                # loading a module loads its packages first
                parents = name.split(".")
                todo += [".".join(parents[:i]) for i in range(2, len(parents))]
    return seen


def test_the_settings_load_without_the_matching_s_libraries() -> None:
    assert not _closure("server.settings") & HEAVY
    assert _closure("server.core.matching") & HEAVY  # guard the guard
