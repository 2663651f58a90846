"""Every browser module parses as an ES module (an error there blanks a whole page, and only a
browser test would see it): ``node --check``, which the test setup already requires."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MODULES = sorted((Path(__file__).resolve().parents[2] / "web" / "static" / "js").glob("*.js"))


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_the_module_parses(module: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "the tests need Node.js (scripts/setup --test says so)"
    done = subprocess.run(
        [node, "--input-type=module", "--check"],
        input=module.read_bytes(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
