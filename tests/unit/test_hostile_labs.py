"""The hostile lab corpus (issue 19, items 2, 5 and 6): every case is refused with its exact
message, quickly, and the workbench writes nothing outside its state folders while refusing it.

Small cases live in `tests/fixtures/hostile/<case>/` (lab.yaml and an EXPECTED file: the field
path, then the exact message, where `{lab}` is the lab folder and `{parent}` the folder holding
it); big, binary or host-dependent ones (oversized files, symlinks, a FIFO) are generated here.
Each command runs in a subprocess with a timeout, so a regression fails instead of hanging the
suite, and its CPU time is measured (wall time on a shared machine says little).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support import FIXTURE_LABS, REPO

from workbench.lab import validate_lab_dir
from workbench.lab.limits import DEFAULT_LIMITS

HOSTILE = REPO / "tests" / "fixtures" / "hostile"
COMMITTED = sorted(p.name for p in HOSTILE.iterdir() if (p / "EXPECTED").is_file())
CPU_SECONDS = 5.0
"""CPU the whole `workbench` process may spend on one hostile lab (startup included)."""
TIMEOUT = 60
"""Wall time after which the command counts as hanging (the machine may be busy)."""
VALID = "every path in lab.yaml stays inside the lab"


def _base(lab: Path, *, links: int = 0, services: int = 1) -> Path:
    """A valid lab with one python service, one exercise and its learner file."""
    (lab / "services" / "api").mkdir(parents=True)
    (lab / "services" / "api" / "app.py").write_text("app = None\n")
    (lab / "exercises").mkdir()
    (lab / "exercises" / "one.md").write_text("# One\n")
    for folder in ("starter", "solution"):
        (lab / folder).mkdir()
        (lab / folder / "checkout.py").write_text("def total(items):\n    return 0\n")
    names = ["api", *(f"s{i}" for i in range(1, services))]
    text = (
        f"format_version: 1\nid: {lab.name}\ntitle: Generated\nsummary: A generated lab.\n"
        "difficulty: beginner\nminutes: 5\nservices:\n"
        + "".join(f"  - {{name: {name}, source: services/api}}\n" for name in names)
        + ("links:\n" if links else "")
        + "".join(
            f"  - {{from: api, to: api, protocol: http, label: l{i}}}\n" for i in range(links)
        )
        + "exercises:\n  - id: one\n    title: One\n    instructions: exercises/one.md\n"
        "    files: [checkout.py]\n"
    )
    (lab / "lab.yaml").write_text(text)
    return lab


def _oversized_lab_yaml(lab: Path) -> tuple[str, str]:
    _base(lab)
    with (lab / "lab.yaml").open("a") as out:
        out.write(("# padding " + "x" * 90 + "\n") * 3_000)
    return "", "lab.yaml is 296.2 KiB; the workbench reads at most 256 KiB"


def _oversized_instructions(lab: Path) -> tuple[str, str]:
    _base(lab)
    (lab / "exercises" / "one.md").write_bytes(b"# One\n" + b"x" * (2 * 1024 * 1024))
    return (
        "exercises[0].instructions",
        "file 'exercises/one.md' is 2 MiB; the workbench reads at most 1 MiB",
    )


def _oversized_readme(lab: Path) -> tuple[str, str]:
    _base(lab)
    (lab / "README.md").write_bytes(b"# Theory\n" + b"x" * (3 * 1024 * 1024))
    return "", "the theory page README.md is 3 MiB; the workbench reads at most 1 MiB"


def _oversized_mutant(lab: Path) -> tuple[str, str]:
    _base(lab)
    (lab / "mutants").mkdir()
    (lab / "mutants" / "huge.patch").write_bytes(b"x" * (5 * 1024 * 1024))
    return "", "file 'mutants/huge.patch' is 5 MiB; the workbench reads at most 1 MiB"


def _too_many_files(lab: Path) -> tuple[str, str]:
    _base(lab)
    crowd = lab / "starter" / "crowd"
    crowd.mkdir()
    for i in range(DEFAULT_LIMITS.lab_files):
        (crowd / f"f{i}").touch()
    return (
        "",
        "starter/, solution/, checks/ and mutants/ hold more than 10,000 files and folders; "
        "a lab holds at most 10,000",
    )


def _huge_value(lab: Path) -> tuple[str, str]:
    _base(lab)
    text = (lab / "lab.yaml").read_text()
    (lab / "lab.yaml").write_text(text.replace("minutes: 5", "minutes: " + "9x" * 100_000))
    shown = repr("9x" * 100_000)[:77]
    return (
        "minutes",
        f"Input should be a valid integer, unable to parse string as an integer (got {shown}...)",
    )


def _too_many_links(lab: Path) -> tuple[str, str]:
    _base(lab, links=1_001)
    return "links", "1,001 links; a lab declares at most 1,000"


def _too_many_services(lab: Path) -> tuple[str, str]:
    _base(lab, services=101)
    return "services", "101 services; a lab declares at most 100"


def _source_symlink_out(lab: Path) -> tuple[str, str]:
    _base(lab)
    outside = lab.parent / "outside-code"
    outside.mkdir()
    (outside / "app.py").write_text("app = None\n")
    shutil.rmtree(lab / "services" / "api")
    (lab / "services" / "api").symlink_to(outside)
    return (
        "services[0].source",
        f"folder 'services/api' resolves to {outside}, outside the lab folder {lab}: {VALID}",
    )


def _starter_symlink_out(lab: Path) -> tuple[str, str]:
    _base(lab)
    secret = lab.parent / "host-secret.txt"
    secret.write_text("not for the workspace\n")
    (lab / "starter" / "notes.txt").symlink_to(secret)
    return (
        "",
        f"file 'starter/notes.txt' resolves to {secret}, outside the lab folder {lab}: {VALID}",
    )


def _checks_symlink_out(lab: Path) -> tuple[str, str]:
    _base(lab)
    elsewhere = lab.parent / "elsewhere-checks"
    elsewhere.mkdir()
    (lab / "checks").symlink_to(elsewhere)
    return "", f"folder 'checks' resolves to {elsewhere}, outside the lab folder {lab}: {VALID}"


def _not_utf8(lab: Path) -> tuple[str, str]:
    _base(lab)
    (lab / "lab.yaml").write_bytes(b"\xff\xfe\x00junk")
    return (
        "",
        "lab.yaml is not UTF-8: 'utf-8' codec can't decode byte 0xff in position 0: "
        "invalid start byte",
    )


def _fifo(lab: Path) -> tuple[str, str]:
    lab.mkdir()
    os.mkfifo(lab / "lab.yaml")
    return "", "lab.yaml is not a regular file"


def _device(lab: Path) -> tuple[str, str]:
    lab.mkdir()
    (lab / "lab.yaml").symlink_to("/dev/zero")
    return "", "lab.yaml is not a regular file"


GENERATED: dict[str, Callable[[Path], tuple[str, str]]] = {
    "oversized-lab-yaml": _oversized_lab_yaml,
    "oversized-instructions": _oversized_instructions,
    "oversized-readme": _oversized_readme,
    "oversized-mutant": _oversized_mutant,
    "too-many-files": _too_many_files,
    "huge-value": _huge_value,
    "too-many-links": _too_many_links,
    "too-many-services": _too_many_services,
    "source-symlink-out": _source_symlink_out,
    "starter-symlink-out": _starter_symlink_out,
    "checks-symlink-out": _checks_symlink_out,
    "not-utf8": _not_utf8,
    "fifo": _fifo,
    "device": _device,
}
CASES = [*COMMITTED, *GENERATED]


def _make(case: str, labs: Path) -> tuple[Path, str, str]:
    """The case's lab folder under `labs`, and its expected field path and message."""
    lab = labs / case
    if case in GENERATED:
        field, message = GENERATED[case](lab)
    else:
        shutil.copytree(HOSTILE / case, lab, symlinks=True)
        field, message = (HOSTILE / case / "EXPECTED").read_text().splitlines()[:2]
    resolved = lab.resolve()
    message = message.replace("{lab}", str(resolved)).replace("{parent}", str(resolved.parent))
    return lab, field, message


def _root(tmp_path: Path) -> Path:
    """The test's folder (resolved: messages name resolved paths) with the labs folder, and
    the current folder and home of the workbench: both must stay empty."""
    root = tmp_path.resolve()
    for name in ("labs", "cwd", "home"):
        (root / name).mkdir()
    return root


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every entry under root (but `skip`), with its size and modification time."""
    seen: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == skip.parent:
            dirnames[:] = [d for d in dirnames if d != skip.name]
        for name in [*dirnames, *filenames]:
            info = os.lstat(os.path.join(dirpath, name))
            seen[os.path.relpath(os.path.join(dirpath, name), root)] = (
                info.st_size,
                info.st_mtime_ns,
            )
    return seen


def _workbench(args: list[str], env_root: Path, labs_path: str) -> tuple[str, int, float]:
    """Run `workbench ARGS` with every folder it may write under env_root; (output, exit, CPU s)."""
    env = {
        **os.environ,
        "WORKBENCH_LABS_PATH": labs_path,
        "WORKBENCH_STATE_DIR": str(env_root / "state"),
        "WORKBENCH_HOME": str(env_root / "home"),
        "WORKBENCH_CACHE_DIR": str(env_root / "state" / "cache"),
        "HOME": str(env_root / "home"),
        "COLUMNS": "400",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=env_root / "cwd",
        env=env,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.stdout + proc.stderr, proc.returncode, cpu


def test_every_hostile_case_is_covered() -> None:
    assert len(CASES) >= 20
    for case in COMMITTED:
        assert (HOSTILE / case / "lab.yaml").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_hostile_lab_is_refused_quickly_with_its_message(case: str, tmp_path: Path) -> None:
    tmp_path = _root(tmp_path)
    labs = tmp_path / "labs"
    lab, field, message = _make(case, labs)

    started = time.monotonic()
    _lab, problems = validate_lab_dir(lab)
    assert time.monotonic() - started < TIMEOUT
    matching = [p for p in problems if p.field == field and p.message == message]
    assert matching, f"{case}: expected {field!r}: {message!r}, got {[str(p) for p in problems]}"
    problem = matching[0]
    if field:  # a problem about a field names its line, for the author to go there
        assert problem.line is not None

    before = _tree(tmp_path, tmp_path / "state")
    out, code, cpu = _workbench(["labs", "validate", str(lab)], tmp_path, str(labs))
    assert code == 1, out
    assert "Traceback" not in out, out
    assert str(problem) in out, out
    assert "mutant 'huge'" not in out, "an oversized patch was read anyway"
    assert cpu < CPU_SECONDS, f"{case}: `labs validate` took {cpu:.1f} s of CPU"
    assert _tree(tmp_path, tmp_path / "state") == before, "wrote outside its state folders"


def test_one_hostile_lab_costs_the_lab_list_only_its_line(tmp_path: Path) -> None:
    """Every hostile lab at once on WORKBENCH_LABS_PATH, beside a valid lab: the list answers,
    shows the valid lab, and gives each hostile one its line with its first problem."""
    tmp_path = _root(tmp_path)
    labs = tmp_path / "labs"
    expected = {case: _make(case, labs)[2] for case in CASES}
    shop = tmp_path / "good" / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", shop, symlinks=True)
    labs_path = os.pathsep.join([str(labs), str(tmp_path / "good")])

    before = _tree(tmp_path, tmp_path / "state")
    out, code, cpu = _workbench(["labs", "list"], tmp_path, labs_path)
    assert code == 0, out
    assert "Traceback" not in out, out
    lines = out.splitlines()
    shop_line = next(line for line in lines if line.lstrip("│ ").startswith("shop "))
    assert "invalid" not in shop_line
    for case, message in expected.items():
        line = next((line for line in lines if f" {case} " in line), None)
        assert line is not None, f"{case} missing from the list:\n{out}"
        assert f"invalid: {message[:80]}" in line, f"{case}: {line}"
    assert cpu < 3 * CPU_SECONDS, f"`labs list` took {cpu:.1f} s of CPU for {len(CASES)} labs"
    assert _tree(tmp_path, tmp_path / "state") == before, "wrote outside its state folders"


def test_lab_list_of_the_tui_shows_each_hostile_lab_with_its_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`list_labs` feeds the TUI's lab list: each hostile lab is an entry with its problems."""
    from workbench.lab.listing import list_labs

    tmp_path = _root(tmp_path)
    labs = tmp_path / "labs"
    expected = {case: _make(case, labs)[2] for case in CASES}
    monkeypatch.setenv("WORKBENCH_LABS_PATH", os.pathsep.join([str(labs), str(FIXTURE_LABS)]))
    started = time.process_time()
    entries = {entry.path.name: entry for entry in list_labs()}
    assert time.process_time() - started < 3 * CPU_SECONDS
    assert entries["shop"].lab is not None
    for case, message in expected.items():
        entry = entries[case]
        assert entry.lab is None, case
        assert message in [p.message for p in entry.problems], case


@pytest.mark.parametrize("case", ["alias-bomb", "source-absolute", "too-many-links"])
def test_lab_start_refuses_a_hostile_lab_without_starting_anything(
    case: str, tmp_path: Path
) -> None:
    tmp_path = _root(tmp_path)
    labs = tmp_path / "labs"
    lab, _field, message = _make(case, labs)
    before = _tree(tmp_path, tmp_path / "state")
    out, code, cpu = _workbench(["lab", "start", case, "--runtime", "local"], tmp_path, str(labs))
    assert code != 0, out
    assert "Traceback" not in out, out
    assert message in " ".join(out.split()), out
    assert cpu < CPU_SECONDS, f"`lab start {case}` took {cpu:.1f} s of CPU"
    assert _tree(tmp_path, tmp_path / "state") == before, "wrote outside its state folders"
    assert not (tmp_path / "state" / "runs").exists() or not any(
        (tmp_path / "state" / "runs").iterdir()
    ), "a run folder was left"
    assert lab.is_dir()


def test_limits_leave_room_for_the_shipped_labs() -> None:
    from workbench.lab.index import lab_folders

    for folder in lab_folders():
        size = (folder / "lab.yaml").stat().st_size
        assert size * 10 < DEFAULT_LIMITS.lab_file_bytes, folder
        _lab, problems = validate_lab_dir(folder)
        assert problems == [], folder


def test_small_aliases_still_load_with_their_lines() -> None:
    from workbench.lab.yamlmarks import load_with_lines

    data, lines = load_with_lines("a: &x [1, 2]\nb:\n  c: *x\n")
    assert data == {"a": [1, 2], "b": {"c": [1, 2]}}
    assert lines[("b", "c")] == 3
    assert lines[("a", 1)] == 1


def test_a_hostile_pattern_page_costs_only_itself(tmp_path: Path) -> None:
    from workbench.errors import WorkbenchError
    from workbench.lab.patterns import find_pattern, read_pattern

    bomb = (HOSTILE / "alias-bomb" / "lab.yaml").read_text()
    (tmp_path / "bomb.md").write_text(f"---\n{bomb}---\n# Bomb\n")
    (tmp_path / "huge.md").write_bytes(b"# Huge\n" + b"x" * (DEFAULT_LIMITS.page_bytes + 1))
    (tmp_path / "saga.md").write_text("---\nid: saga\ntitle: Saga\nsummary: s\n---\n# Saga\n")
    with pytest.raises(WorkbenchError, match=r"the header expands too far \(8,335,593,980 nodes"):
        read_pattern(tmp_path / "bomb.md")
    with pytest.raises(WorkbenchError, match="larger than 1 MiB"):
        read_pattern(tmp_path / "huge.md")
    found = find_pattern("saga", tmp_path)
    assert found is not None and found.title == "Saga"
