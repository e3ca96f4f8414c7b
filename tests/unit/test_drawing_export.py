"""Exports: golden DOT/Mermaid of the fixture lab, PNG/SVG files through diagrams + Graphviz,
the committed diagrams/ folder matching the shipped labs, and the CLI's error messages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from topology_support import assert_golden, shop_graph, shop_lab

from workbench.cli import cli
from workbench.drawing import export_lab, parse_formats, to_dot, to_mermaid
from workbench.drawing.export.images import GraphvizMissingError, render_image
from workbench.errors import WorkbenchError
from workbench.lab import list_labs
from workbench.paths import REPO_DIR
from workbench.topology import apply_overlay


def test_golden_dot() -> None:
    assert_golden("topology_shop.dot", to_dot(shop_graph()))


def test_golden_mermaid() -> None:
    assert_golden("topology_shop.mmd", to_mermaid(shop_graph()))


def test_undeclared_calls_are_marked_in_exports() -> None:
    stats = {"orders": {"calls": {"audit": {"count": 1, "errors": 0, "statuses": {}}}}}
    g = apply_overlay(shop_graph(), None, stats)
    assert '"orders" -> "audit"' in to_dot(g)
    assert "undeclared" in to_dot(g)
    assert "linkStyle" in to_mermaid(g)


needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


@needs_graphviz
def test_png_and_svg_files(tmp_path: Path) -> None:
    written = export_lab(shop_lab(), ["png", "svg"], tmp_path)
    assert [p.name for p in written] == ["shop.png", "shop.svg"]
    png = (tmp_path / "shop.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 10_000
    svg = (tmp_path / "shop.svg").read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "data:image/png;base64," in svg, "icons are inlined"
    assert "/site-packages/" not in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.png", "shop.svg"], (
        "no temporary files left"
    )


def test_graphviz_missing_names_the_package(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizMissingError) as err:
        render_image(shop_graph(), "png", tmp_path / "out", "shop")
    assert "apt-get install graphviz" in str(err.value)
    assert "mermaid and dot" in str(err.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # the text formats still work without Graphviz
    export_lab(shop_lab(), ["dot", "mermaid"], tmp_path / "text")
    assert sorted(p.name for p in (tmp_path / "text").iterdir()) == ["shop.dot", "shop.mmd"]


def test_format_parsing() -> None:
    assert parse_formats("all") == ["png", "svg", "dot", "mermaid"]
    assert parse_formats("mermaid,dot") == ["dot", "mermaid"]
    with pytest.raises(WorkbenchError) as err:
        parse_formats("gif")
    assert "png, svg, dot, mermaid" in str(err.value)


def test_committed_diagrams_match_their_labs() -> None:
    """`make diagrams` regenerates diagrams/; this fails when a lab changed and it was not run."""
    checked = 0
    for entry in list_labs():
        if entry.lab is None or entry.path.parent != REPO_DIR / "labs":
            continue  # a lab that does not load is reported by `workbench labs validate`
        g_dot = to_dot(_graph(entry.lab))
        for ext, text in (("dot", g_dot), ("mmd", to_mermaid(_graph(entry.lab)))):
            path = REPO_DIR / "diagrams" / f"{entry.lab.id}.{ext}"
            assert path.is_file(), f"{path} is missing: run `make diagrams`"
            assert path.read_text(encoding="utf-8") == text, (
                f"{path} no longer matches labs/{entry.lab.id}/lab.yaml: run `make diagrams`"
            )
        checked += 1
    assert not (REPO_DIR / "diagrams" / "__init__.py").exists()
    if not checked:
        pytest.skip("no lab of labs/ in the lab list (is WORKBENCH_LABS_PATH set?)")


def _graph(lab: object) -> object:
    from workbench.topology import build_graph

    return build_graph(lab)  # type: ignore[arg-type]


def test_cli_diagram_and_graph(fixture_labs: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["diagram", "shop", "--format", "mermaid,dot", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "shop.mmd").read_text(encoding="utf-8") == to_mermaid(shop_graph())
    result = runner.invoke(cli, ["diagram", "shop", "--format", "gif"])
    assert isinstance(result.exception, WorkbenchError)
    assert "png, svg, dot, mermaid" in str(result.exception)
    result = runner.invoke(cli, ["diagram", "nope", "--format", "dot"])
    assert "shop" in str(result.exception), "an unknown lab gets the list of labs"
    result = runner.invoke(cli, ["graph", "shop", "--width", "100"])
    assert result.exit_code == 0, result.output
    assert "gateway" in result.output
    assert "workbench lab start shop" in result.output


def test_diagrams_is_imported_by_one_module_only() -> None:
    importers = sorted(
        str(path.relative_to(REPO_DIR))
        for path in (REPO_DIR / "workbench").rglob("*.py")
        if re.search(r"^\s*(from|import) diagrams\b", path.read_text(encoding="utf-8"), re.M)
    )
    assert importers == ["workbench/drawing/export/images.py"]
