"""Every Python example in the README and in docs/ runs as written.

The blocks of one page run in order in one namespace, in a fresh working
directory, as a reader would paste them. A block preceded by an
``<!-- illustration ... -->`` comment shows a shape rather than a program and
is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(<!-- illustration[^>]*-->\n)?```python\n(.*?)```", re.DOTALL)


def _blocks(page: Path) -> list[str]:
    return [code for marker, code in BLOCK.findall(page.read_text("utf-8")) if not marker]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, code in enumerate(_blocks(page)):
        try:
            exec(compile(code, f"{page.name}[block {number}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{page.name}, python block {number}: {type(exc).__name__}: {exc}")


def test_the_pages_have_examples() -> None:
    assert sum(len(_blocks(p)) for p in PAGES) >= 10
