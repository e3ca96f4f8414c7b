"""Shell completion through click, driven as a shell does (the completion environment variables)
with click's test runner: lab ids, exercise ids, service names (the running lab's first) and
fault kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.paths import runs_dir
from workbench.runtime.base import Deployment, Endpoint

pytestmark = pytest.mark.usefixtures("fixture_labs")


def bash(line: str) -> list[str]:
    """What bash completes for `line` (the cursor at its end): the values, in order."""
    words = line.split(" ")
    result = CliRunner().invoke(
        cli,
        env={
            "_WORKBENCH_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
        prog_name="workbench",
    )
    assert result.exit_code == 0, result.output
    return [item.split(",", 1)[1] for item in result.output.splitlines() if item]


def test_lab_ids() -> None:
    assert bash("workbench check ") == ["design-mini", "shop"]
    assert bash("workbench lab start s") == ["shop"]
    assert bash("workbench lab init d") == ["design-mini"]
    assert bash("workbench graph ") == ["design-mini", "shop"]
    assert bash("workbench images --lab sh") == ["shop"]


def test_exercise_ids_of_the_lab_named_before() -> None:
    assert bash("workbench check shop ") == ["pricing"]
    assert bash("workbench lab reset shop pr") == ["pricing"]
    assert bash("workbench lab reset shop x") == []
    assert bash("workbench check no-such-lab ") == []


def test_service_names_from_lab_yaml_when_not_running() -> None:
    assert bash("workbench lab logs shop ") == ["broker", "orders", "audit", "logship", "gateway"]
    assert bash("workbench lab restart shop a") == ["audit"]


def test_service_names_of_the_running_lab() -> None:
    run_dir = runs_dir() / "shop-0123abcd"
    Deployment(
        "shop", "shop-0123abcd", "local", run_dir, Path("/labs/shop"), None,
        endpoints={
            name: Endpoint(name, "http", f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}")
            for name, port in (("orders", 41001), ("gateway", 41002))
        },
    ).save()  # fmt: skip
    assert bash("workbench lab logs shop ") == ["gateway", "orders"]


def test_fault_words_by_position() -> None:
    assert bash("workbench fault ") == ["clear", "list", "design-mini", "shop"]
    assert bash("workbench fault list ") == ["design-mini", "shop"]
    assert bash("workbench fault shop or") == ["orders"]
    assert bash("workbench fault shop orders l") == ["latency"]
    assert bash("workbench fault shop orders latency ") == []


def test_zsh_and_fish_get_the_help_text_too() -> None:
    runner = CliRunner()
    zsh = runner.invoke(
        cli,
        env={"_WORKBENCH_COMPLETE": "zsh_complete", "COMP_WORDS": "workbench check s",
             "COMP_CWORD": "2"},
        prog_name="workbench",
    )  # fmt: skip
    assert zsh.output.splitlines()[:2] == ["plain", "shop"]
    fish = runner.invoke(
        cli,
        env={"_WORKBENCH_COMPLETE": "fish_complete", "COMP_WORDS": "workbench check s",
             "COMP_CWORD": "s"},
        prog_name="workbench",
    )  # fmt: skip
    assert fish.output.startswith("plain,shop\t")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_activation_script_is_there(shell: str) -> None:
    result = CliRunner().invoke(
        cli, env={"_WORKBENCH_COMPLETE": f"{shell}_source"}, prog_name="workbench"
    )
    assert result.exit_code == 0
    assert "_WORKBENCH_COMPLETE" in result.output
