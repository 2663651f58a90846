"""The locks say what a fresh setup installs, and they match pyproject.toml and package.json:
every dependency and test tool is pinned, at a version its requirement admits; the test tools
are exact in pyproject.toml too; and an environment made by scripts/setup holds exactly that."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]


def locked() -> dict[str, Version]:
    """``constraints.txt`` as ``{canonical name: version}``; every line a ``name==version``."""
    pins: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt: {line!r} is not name==version"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def project() -> dict[str, list[Requirement]]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        "dependencies": [Requirement(r) for r in data["project"]["dependencies"]],
        "test": [Requirement(r) for r in data["project"]["optional-dependencies"]["test"]],
        "build": [Requirement(r) for r in data["build-system"]["requires"]],
    }


def test_every_requirement_is_locked_at_a_version_it_admits() -> None:
    pins = locked()
    for group, requirements in project().items():
        for r in requirements:
            name = canonicalize_name(r.name)
            assert name in pins, f"{group}: {r} is not in constraints.txt (run scripts/lock)"
            assert pins[name] in r.specifier, (
                f"{group}: constraints.txt has {name}=={pins[name]}, outside {r} (scripts/lock)"
            )
    assert {"pip", "setuptools"} <= set(pins), "scripts/setup installs pip and setuptools first"


def test_the_test_tools_are_exact() -> None:
    for r in project()["test"]:
        (spec,) = r.specifier
        assert spec.operator == "==", f"{r}: a test tool is pinned exactly in pyproject.toml"


def test_the_npm_lock_matches_package_json() -> None:
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    wanted = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    for name, version in wanted.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    assert "resolved" not in json.dumps(lock), "the lock names no registry"
    vendored = (REPO / "web" / "static" / "vendor" / "VERSION").read_text(encoding="utf-8")
    for name in package.get("dependencies", {}):
        assert f"{name} {wanted[name]} " in vendored, f"web/static/vendor holds another {name}"


def test_the_environment_is_the_locked_one() -> None:
    """An environment scripts/setup made holds the locked version of every package."""
    if not (REPO / ".venv" / ".speedmeet-setup").exists():
        pytest.skip("not set up by scripts/setup (run the tests through scripts/test)")
    pins = locked()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {
        name: (str(version), installed[name])
        for name, version in pins.items()
        if name in installed and Version(installed[name]) != version
    }
    assert wrong == {}, "installed differs from constraints.txt: run scripts/setup --test"
    missing = [r.name for r in project()["test"] if canonicalize_name(r.name) not in installed]
    assert missing == [], "a test tool is not installed: run scripts/setup --test"
