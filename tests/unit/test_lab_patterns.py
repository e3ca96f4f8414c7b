"""The pattern catalog pages parse, and every lab's patterns are known words."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.lab.patterns import find_pattern, list_patterns, read_pattern


def test_shipped_catalog_pages_have_headers() -> None:
    patterns = list_patterns()
    assert {"saga", "sidecar", "api-gateway", "publish-subscribe"} <= {p.id for p in patterns}
    for pattern in patterns:
        assert pattern.title and pattern.summary, pattern.path
        assert pattern.body.startswith("# "), pattern.path
        for related in pattern.related:
            assert find_pattern(related) is not None, f"{pattern.id} relates to unknown {related}"


def test_page_without_header_uses_file_name(tmp_path: Path) -> None:
    page = tmp_path / "circuit-breaker.md"
    page.write_text("# Circuit breaker\n")
    pattern = read_pattern(page)
    assert pattern.id == "circuit-breaker"
    assert pattern.title == "Circuit Breaker"


def test_unclosed_header_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "x.md"
    page.write_text("---\nid: x\n# body\n")
    with pytest.raises(WorkbenchError, match="header not closed"):
        read_pattern(page)
