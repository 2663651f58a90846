"""axe-core (from node_modules, installed by the setup command) run on a page of the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


async def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it stands (WCAG 2.x A and AA,
    and axe's best practices), each with the elements it found."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/setup --test (npm install)")
    # evaluated by the browser's debugger: the page's Content-Security-Policy does not apply
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
