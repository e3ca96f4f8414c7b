"""Learner files that do not load are reported with file and line before any check runs."""

from __future__ import annotations

import time
from pathlib import Path

from workbench.checkrun.imports import check_imports, public_names


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "pricing.py", "def total_cents(items):\n    return sum(\n\nx = 1 +\n")
    [problem] = check_imports(tmp_path, ["pricing.py"])
    assert problem.file == "pricing.py"
    assert problem.line in (2, 4)
    assert problem.message.startswith("syntax error")


def test_missing_name_at_import_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "pricing.py", "RATE = 0.9\n\nDISCOUNT = RATEE * 100\n")
    [problem] = check_imports(tmp_path, ["pricing.py"])
    assert (problem.file, problem.line) == ("pricing.py", 3)
    assert "NameError" in problem.message
    assert "RATEE" in problem.message


def test_bad_import_inside_a_package(tmp_path: Path) -> None:
    write(tmp_path, "saga/__init__.py", "")
    write(tmp_path, "saga/steps.py", "import json\nfrom math import does_not_exist\n")
    [problem] = check_imports(tmp_path, ["saga/steps.py"])
    assert (problem.file, problem.line) == ("saga/steps.py", 2)
    assert "ImportError" in problem.message


def test_a_function_the_starter_defines_must_still_exist(tmp_path: Path) -> None:
    starter, workspace = tmp_path / "starter", tmp_path / "ws"
    write(starter, "pricing.py", "def total_cents(items, code=None):\n    return 0\n")
    write(workspace, "pricing.py", "def total(items, code=None):\n    return 0\n")
    [problem] = check_imports(workspace, ["pricing.py"], starter=starter)
    assert "no longer defines `total_cents`" in problem.message
    assert public_names("def a(): pass\nclass B: pass\ndef _c(): pass\nx = 1\n") == ["a", "B"]


def test_good_files_and_prints_give_no_problem(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pricing.py",
        "print('hello from the learner')\ndef total_cents(i, c=None):\n    return 1\n",
    )
    write(tmp_path, "notes.md", "# not code\n")
    assert check_imports(tmp_path, ["pricing.py", "notes.md"], starter=tmp_path) == []


def test_yaml_and_json_errors_have_lines(tmp_path: Path) -> None:
    write(tmp_path, "partition.yaml", "services:\n  a: [x, y\n  b: [z]\n")
    write(tmp_path, "threats.json", '{\n  "a": 1,\n  "b": \n}\n')
    problems = {p.file: p for p in check_imports(tmp_path, ["partition.yaml", "threats.json"])}
    assert problems["partition.yaml"].line == 3
    assert "not valid YAML" in problems["partition.yaml"].message
    assert problems["threats.json"].line == 4


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    [problem] = check_imports(tmp_path, ["pricing.py"])
    assert problem.message == "the file is missing from your workspace"


def test_a_file_that_hangs_at_import_is_stopped(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "X = 1\n")
    write(tmp_path, "loop.py", "while True:\n    pass\n")
    began = time.monotonic()
    problems = check_imports(tmp_path, ["ok.py", "loop.py"], timeout=1.0)
    assert time.monotonic() - began < 5
    [problem] = problems
    assert problem.file == "loop.py"
    assert "did not finish within 1 s" in problem.message


def test_a_file_that_exits_the_interpreter_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "bye.py", "import os\nos._exit(3)\n")
    write(tmp_path, "sysexit.py", "import sys\nsys.exit('no')\n")
    problems = {p.file: p.message for p in check_imports(tmp_path, ["sysexit.py", "bye.py"])}
    assert "SystemExit" in problems["sysexit.py"]
    assert "ended the Python process" in problems["bye.py"]


def test_a_learner_file_may_import_what_its_service_provides(tmp_path: Path) -> None:
    """As in the saga lab (`from saga_blocks import Saga`): the module lives in the service's
    source folder, which the service has on its path when it loads the learner's file."""
    import re
    import shutil

    from support import FIXTURE_LABS

    from workbench.checkrun.runner import files_that_do_not_load
    from workbench.lab import load_lab

    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    write(lab_dir / "services" / "orders", "price_blocks.py", "def cents(n):\n    return n\n")
    write(lab_dir / "services" / "gateway", "gateway_blocks.py", "X = 1\n")
    yaml = lab_dir / "lab.yaml"  # the gateway loads no learner file: its folder is no help
    yaml.write_text(
        re.sub(
            r"(- name: gateway\n)", r"\1    workspace: false\n", yaml.read_text(encoding="utf-8")
        ),
        encoding="utf-8",
    )
    lab = load_lab(lab_dir)
    workspace = tmp_path / "ws"
    solution = (lab_dir / "solution" / "pricing.py").read_text(encoding="utf-8")
    write(workspace, "pricing.py", "from price_blocks import cents\n" + solution)
    assert files_that_do_not_load(lab, workspace) is None

    write(workspace, "pricing.py", "from gateway_blocks import X\n" + solution)
    not_loading = files_that_do_not_load(lab, workspace)
    assert not_loading is not None
    [problem] = not_loading.import_problems
    assert (problem.file, problem.line) == ("pricing.py", 1)
    assert "gateway_blocks" in problem.message


def _processes_naming(folder: Path) -> list[str]:
    needle = str(folder).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes():
                    found.append(proc.name)
            except OSError:
                continue
    return found


def test_a_child_forked_at_import_neither_holds_up_the_check_nor_outlives_it(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "pricing.py",
        "import os, time\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\nX = 1\n",
    )
    began = time.monotonic()
    assert check_imports(tmp_path, ["pricing.py"], timeout=10.0) == []
    assert time.monotonic() - began < 5  # the child's inherited output does not keep us waiting
    assert _processes_naming(tmp_path) == []


def test_allocating_at_import_meets_the_memory_limit_on_its_line(tmp_path: Path) -> None:
    write(tmp_path, "pricing.py", "X = 1\nHOARD = [bytearray(1 << 20) for _ in range(100_000)]\n")
    [problem] = check_imports(tmp_path, ["pricing.py"])
    assert (problem.line, problem.message) == (2, "importing it failed with MemoryError")


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_a_learner_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    write(tmp_path, "partition.yaml", _alias_bomb())
    write(tmp_path, "shared.yaml", "base: &b {a: 1, b: 2}\none: *b\ntwo: *b\n")  # a normal alias
    began = time.monotonic()
    problems = check_imports(tmp_path, ["partition.yaml", "shared.yaml"])
    assert time.monotonic() - began < 8
    [problem] = problems
    assert problem.file == "partition.yaml"
    assert problem.message.startswith("it expands too far (")
    assert "at most 50,000)" in problem.message


def test_a_self_referencing_or_oversized_data_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "loop.yaml", "a: &a [*a]\n")
    write(tmp_path, "big.json", "[" + "1," * 600_000 + "1]")
    problems = {p.file: p.message for p in check_imports(tmp_path, ["loop.yaml", "big.json"])}
    assert problems["loop.yaml"] == "it nests too deep (or an alias names the value it is in)"
    assert problems["big.json"].startswith("it is 1171 KiB; the workbench reads at most 1024 KiB")


def test_files_that_loaded_and_did_not_change_are_not_imported_again(tmp_path: Path) -> None:
    """A process that checks often (the TUI, watch) skips the child process for files that
    loaded last time and have not changed since; any change in the workspace runs it again."""
    from workbench.runtime.sandbox import HostPython

    class Counting(HostPython):
        runs = 0

        def run_python(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            Counting.runs += 1
            return super().run_python(*args, **kwargs)

    write(tmp_path, "pricing.py", "RATE = 1\n")
    write(tmp_path, "helper.py", "X = 1\n")
    assert check_imports(tmp_path, ["pricing.py"], sandbox=Counting()) == []
    assert check_imports(tmp_path, ["pricing.py"], sandbox=Counting()) == []
    assert Counting.runs == 1
    write(tmp_path, "helper.py", "X = 22\n")  # another file of the workspace changed
    assert check_imports(tmp_path, ["pricing.py"], sandbox=Counting()) == []
    assert Counting.runs == 2
    write(tmp_path, "pricing.py", "RATE = \n")
    assert check_imports(tmp_path, ["pricing.py"], sandbox=Counting())  # broken: said
    assert check_imports(tmp_path, ["pricing.py"], sandbox=Counting())  # and said again
    assert Counting.runs == 4
