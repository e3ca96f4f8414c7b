"""`workbench patterns`: listing, --json, --search, one page, mistakes without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("textual", "docker", "diagrams", "fastapi", "uvicorn", "httpx", "networkx")
PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.__stderr__.write(
    "LOADED " + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))
    + "\\n"))
sys.argv = ["workbench", *{args!r}]
from workbench.cli import main
main()
"""


def run(*args: str, state: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "WORKBENCH_STATE_DIR": str(state), "COLUMNS": "200", **env}
    environ.pop("WORKBENCH_LABS_PATH", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY, args=list(args))],
        capture_output=True, text=True, env=environ, timeout=60, check=False,
    )  # fmt: skip


def test_listing_shows_ids_titles_labs_and_loads_no_heavy_library(isolated_state: Path) -> None:
    result = run("patterns", state=isolated_state)
    assert result.returncode == 0, result.stderr
    assert "circuit-breaker" in result.stdout
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert rows["saga"][1:3] == ["Saga", "saga"]  # title, then the lab that practises it
    assert rows["timeout"][1:3] == ["Timeout", "sidecar"]
    assert rows["rate-limiting"][1:4] == ["Rate", "limiting", "stride"]
    assert rows["api-versioning"][1:4] == ["API", "versioning", "–"]  # no lab practises it yet
    assert "LOADED []" in result.stderr


def test_json_shape(isolated_state: Path) -> None:
    result = run("patterns", "--json", state=isolated_state)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"catalog", "patterns", "problems"}
    assert data["problems"] == []
    saga = next(p for p in data["patterns"] if p["id"] == "saga")
    assert set(saga) == {"id", "title", "summary", "labs", "related", "aliases", "seeds", "path"}
    assert saga["labs"] == ["saga"]
    assert "idempotent-consumer" in saga["related"]


def test_search_by_alias_and_no_hit(isolated_state: Path) -> None:
    found = run("patterns", "--search", "outlier detection", "--json", state=isolated_state)
    assert [p["id"] for p in json.loads(found.stdout)["patterns"]] == ["circuit-breaker"]
    none = run("patterns", "--search", "xylophone", state=isolated_state)
    assert none.returncode == 0
    assert "no pattern matches 'xylophone'" in none.stdout


def test_one_page_then_related_and_labs(isolated_state: Path) -> None:
    result = run("patterns", "saga", state=isolated_state)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Problem") < out.index("Trade-offs") < out.index("Try it")
    assert "Labs that practise it: saga" in out
    assert "Related: idempotent-consumer (Idempotent consumer)" in out
    assert "Labs: saga (" in out


def test_an_alias_opens_its_page(isolated_state: Path) -> None:
    result = run("patterns", "pub/sub", "--json", state=isolated_state)
    assert json.loads(result.stdout)["id"] == "publish-subscribe"


def test_unknown_id_gets_did_you_mean(isolated_state: Path) -> None:
    result = run("patterns", "circuit-braker", state=isolated_state)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: no pattern 'circuit-braker'; did you mean 'circuit-breaker'?" in result.stderr


def test_a_missing_catalog_is_an_empty_list_and_a_hint(isolated_state: Path) -> None:
    result = run("patterns", state=isolated_state, WORKBENCH_CATALOG_DIR="/no/such/catalog")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "No pattern catalog at /no/such/catalog" in result.stdout
    as_json = run("patterns", "--json", state=isolated_state, WORKBENCH_CATALOG_DIR="/no/such")
    assert json.loads(as_json.stdout)["patterns"] == []


def test_a_broken_page_is_listed_with_file_line_and_problem(isolated_state: Path) -> None:
    folder = (
        Path(__file__).resolve().parent.parent / "fixtures" / "broken-catalog" / "unknown-related"
    )
    result = run("patterns", state=isolated_state, WORKBENCH_CATALOG_DIR=str(folder))
    assert result.returncode == 0
    assert "circuit-breaker" in result.stdout and "saga" in result.stdout
    assert f"{folder}/saga.md:5: related 'circuit-braker' is not a page" in result.stdout


def test_an_unreadable_page_is_named_when_asked_for(isolated_state: Path) -> None:
    folder = Path(__file__).resolve().parent.parent / "fixtures" / "broken-catalog"
    result = run(
        "patterns", "saga", state=isolated_state,
        WORKBENCH_CATALOG_DIR=str(folder / "header-not-closed"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the page of 'saga' cannot be read" in result.stderr
    assert "saga.md:1: the header is not closed" in result.stderr


def test_validate_notes_a_pattern_without_a_page_outside_the_repository(
    isolated_state: Path, tmp_path: Path
) -> None:
    import shutil

    lab = tmp_path / "shop"
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "labs" / "shop"
    shutil.copytree(fixture, lab, ignore=shutil.ignore_patterns("__pycache__"))
    text = (lab / "lab.yaml").read_text()
    (lab / "lab.yaml").write_text(
        text.replace("patterns: [api-gateway,", "patterns: [my-own-words, api-gateway,")
    )
    result = run("labs", "validate", str(lab), state=isolated_state)
    assert result.returncode == 0, result.stdout
    assert "✓" in result.stdout
    assert "note: pattern 'my-own-words' has no page in the catalog" in result.stdout
    assert "api-gateway' has no page" not in result.stdout


def test_completion_offers_page_ids() -> None:
    import click

    from workbench.commands.patterns import complete_pattern, patterns_cmd

    ctx = click.Context(patterns_cmd)
    names = [item.value for item in complete_pattern(ctx, patterns_cmd.params[0], "circ")]
    assert names == ["circuit-breaker"]
