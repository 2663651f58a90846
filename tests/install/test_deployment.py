"""The Docker Compose deployment (compose.yaml, .env.example, deploy/): rendered as Compose
would, its services agree (the same turn_secret in coturn and both processes, the same data_key
and Redis, the proxy's upstreams, coturn's ports) and every setting validates; each planted
disagreement is caught. No Docker needed."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.install.deployment import (
    ENV,
    REPO,
    ComposeError,
    Sources,
    coturn_options,
    disagreements,
    interpolate,
    read_env,
    render,
)


def make_env() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_env", REPO / "deploy" / "make_env.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def filled() -> Sources:
    """The repository's deployment with .env as make_env.py writes it."""
    tool = make_env()
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    env = tool.fill(example, tool.values_for("meet.example.org", "203.0.113.7"))
    return Sources.of_repo(env)


def test_the_services_agree_and_every_setting_validates() -> None:
    dep = render(filled())
    assert disagreements(dep) == []
    env = read_env(dep.sources.read(ENV))
    one, two = dep.speedmeet()
    assert (one.name, two.name) == ("speedmeet-1", "speedmeet-2")
    for service in (one, two):
        assert service.environment["SPEEDMEET_TURN_SECRET"] == env["TURN_SECRET"]
        assert service.environment["SPEEDMEET_DATA_KEY"] == env["DATA_KEY"]
        assert service.environment["SPEEDMEET_REDIS_URL"] == "redis://redis:6379/0"
    coturn = coturn_options(dep.services["coturn"], dep.sources)
    assert coturn["static-auth-secret"] == [env["TURN_SECRET"]]
    assert coturn["external-ip"] == ["203.0.113.7"]
    assert coturn["realm"] == ["meet.example.org"]


def test_the_example_env_holds_no_secret_and_compose_says_what_is_missing() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    values = read_env(example)
    for name in ("TURN_SECRET", "DATA_KEY", "ADMIN_TOKEN", "PUBLIC_HOST", "TURN_EXTERNAL_IP"):
        assert values[name] == "", f"{name} must be empty in .env.example"
    with pytest.raises(ComposeError, match=r"is empty in \.env"):
        render(Sources.of_repo(example))


def test_each_secret_is_fresh_and_read_as_it_is() -> None:
    tool = make_env()
    one, two = tool.values_for("a.example", "203.0.113.7"), tool.values_for("a.example", "1.2.3.4")
    for name in tool.SECRETS:
        assert one[name] != two[name]
        # coturn's start script reads its command line through the shell: no $, quotes, spaces
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", one[name]), one[name]


def test_make_env_keeps_an_existing_env(tmp_path: Path) -> None:
    out = tmp_path / ".env"
    assert make_env().main(["meet.example.org", "203.0.113.7", "--out", str(out)]) == 0
    first = out.read_text()
    assert out.stat().st_mode & 0o077 == 0  # the secrets: the owner's only
    assert make_env().main(["meet.example.org", "203.0.113.7", "--out", str(out)]) == 1
    assert out.read_text() == first
    with pytest.raises(SystemExit):
        make_env().main(["meet.example.org", "meet.example.org", "--out", str(tmp_path / "x")])


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("a$$b", {}, "a$b"),
        ("${X:-d}/${Y-d}/${Z:-d}", {"X": "", "Y": ""}, "d//d"),
        ("${X:+on}${Y:+on}", {"X": "1", "Y": ""}, "on"),
        ("$X-${X}", {"X": "v"}, "v-v"),
    ],
)
def test_interpolation_as_compose_does_it(text: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(text, env) == expected


COMPOSE, CADDY, TURN = "compose.yaml", "deploy/Caddyfile", "deploy/turnserver.conf"
SPEEDMEET_2 = "    <<: *speedmeet\n    # One process's own"


def one_process(setting: str) -> Callable[[Sources], Sources]:
    """speedmeet-2 given a setting of its own (the way compose.yaml's comment shows)."""
    return lambda src: src.edit(
        COMPOSE,
        SPEEDMEET_2,
        f"    <<: *speedmeet\n    environment:\n      <<: *speedmeet-env\n      {setting}\n"
        "    # One process's own",
    )


PLANTED: dict[str, tuple[Callable[[Sources], Sources], str]] = {
    "coturn's secret": (
        lambda s: s.edit(
            COMPOSE, "--static-auth-secret=${TURN_SECRET}", "--static-auth-secret=${ADMIN_TOKEN}"
        ),
        "turn_secret differs from coturn's static-auth-secret",
    ),
    "one process's turn_secret": (
        one_process("SPEEDMEET_TURN_SECRET: ${ADMIN_TOKEN}"),
        "turn_secret differs: speedmeet-1 and speedmeet-2",
    ),
    "one process's data_key": (
        one_process("SPEEDMEET_DATA_KEY: ${TURN_SECRET}"),
        "data_key differs: speedmeet-1 and speedmeet-2",
    ),
    "one process's Redis": (
        one_process('SPEEDMEET_REDIS_URL: "redis://redis:6379/1"'),
        "redis_url differs: speedmeet-1 and speedmeet-2",
    ),
    "a data_key that is no key": (
        lambda s: s.edit(ENV, "DATA_KEY=", "DATA_KEY=changeme\n# "),
        "data_key must be 32 bytes",
    ),
    "a mistyped variable": (
        one_process("SPEEDMEET_TURN_SECRETS: x"),
        "SPEEDMEET_TURN_SECRETS is not a setting",
    ),
    "a value the loader refuses": (
        lambda s: s.edit(ENV, "SMTP_SECURITY=starttls", "SMTP_SECURITY=ssl"),
        "the settings loader refuses it",
    ),
    "the proxy without the second process": (
        lambda s: s.edit(CADDY, "speedmeet-1:8080 speedmeet-2:8080", "speedmeet-1:8080"),
        "upstreams",
    ),
    "the proxy on another port": (
        lambda s: s.edit(CADDY, "speedmeet-2:8080", "speedmeet-2:8000"),
        "upstreams",
    ),
    "a third process the proxy does not know": (
        lambda s: s.edit(
            COMPOSE, "\n  redis:\n", "\n  speedmeet-3:\n    <<: *speedmeet\n\n  redis:\n"
        ),
        "speedmeet-3:8080",
    ),
    "coturn on another port": (
        lambda s: s.edit(TURN, "listening-port=3478", "listening-port=3479"),
        "coturn listens for turn: on 3479",
    ),
    "coturn without the REST secret": (
        lambda s: s.edit(TURN, "\nuse-auth-secret\n", "\n"),
        "no use-auth-secret",
    ),
    "Redis without its append-only file": (
        lambda s: s.edit(COMPOSE, '--appendonly, "yes"', '--appendonly, "no"'),
        "no append-only file",
    ),
    "an unset variable": (
        lambda s: s.edit(COMPOSE, "${TIMEZONE:-UTC}", "${TIME_ZONE}"),
        "TIME_ZONE is not set",
    ),
}


@pytest.mark.parametrize("case", list(PLANTED))
def test_a_planted_disagreement_is_caught(case: str) -> None:
    plant, expected = PLANTED[case]
    problems = disagreements(render(plant(filled())))
    assert any(expected in p for p in problems), problems


def test_the_docs_name_the_ports_coturn_uses() -> None:
    dep = render(filled())
    options = coturn_options(dep.services["coturn"], dep.sources)
    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    relay = f"{options['min-port'][0]}–{options['max-port'][0]}"
    for port in (options["listening-port"][0], options["tls-listening-port"][0], relay):
        assert port in docs, f"docs/deploy.md does not name {port} in its firewall ports"
    assert "docker compose up -d" in docs
