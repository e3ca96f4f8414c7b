"""The strict unified-diff applier mutants use: it applies, refuses stale hunks, stays inside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.authoring.patches import (
    PatchError,
    apply_patch,
    apply_to_texts,
    make_patch,
    parse_patch,
)

OLD = "".join(f"line {n}\n" for n in range(1, 31))


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def edit(text: str, **changes: str) -> str:
    """`text` with 'line N' lines replaced: edit(OLD, line3="three")."""
    for key, value in changes.items():
        text = text.replace(f"line {key.removeprefix('line')}\n", value)
    return text


def test_a_patch_applies_and_keeps_its_header(tmp_path: Path) -> None:
    new = edit(OLD, line3="three\n", line25="twenty-five\nand a half\n")
    text = make_patch("Says why.\n\nexercise: one\n", {"a.py": (OLD, new)})
    assert text.startswith("Says why.\n\nexercise: one\n\n--- a.py\n+++ a.py\n@@ -1,6 +1,6 @@")
    patch = parse_patch(text)
    assert patch.header == "Says why.\n\nexercise: one\n"
    assert patch.paths == ("a.py",)
    assert len(patch.files[0].hunks) == 2
    root = tree(tmp_path, {"a.py": OLD, "b.py": "untouched\n"})
    assert apply_patch(patch, root) == ["a.py"]
    assert (root / "a.py").read_text() == new
    assert (root / "b.py").read_text() == "untouched\n"


def test_hunks_follow_lines_added_or_removed_above_them(tmp_path: Path) -> None:
    patch = parse_patch(make_patch("", {"a.py": (OLD, edit(OLD, line20="twenty\n"))}))
    moved = "# a new first line\n# and a second\n" + edit(OLD, line2="")
    root = tree(tmp_path, {"a.py": moved})
    apply_patch(patch, root)
    assert (root / "a.py").read_text() == edit(moved, line20="twenty\n")


def test_files_can_be_created_deleted_and_end_without_a_newline(tmp_path: Path) -> None:
    text = make_patch(
        "",
        {
            "new/notes.md": (None, "# Notes\nno newline at the end"),
            "gone.py": ("print('bye')\n", None),
            "tail.txt": ("a\nb", "a\nc"),
        },
    )
    assert "\\ No newline at end of file" in text
    root = tree(tmp_path, {"gone.py": "print('bye')\n", "tail.txt": "a\nb"})
    apply_patch(parse_patch(text), root)
    assert (root / "new" / "notes.md").read_text() == "# Notes\nno newline at the end"
    assert not (root / "gone.py").exists()
    assert (root / "tail.txt").read_text() == "a\nc"


def test_a_stale_hunk_is_refused_naming_file_hunk_and_line(tmp_path: Path) -> None:
    new = edit(OLD, line3="three\n", line25="twenty-five\n")
    patch = parse_patch(make_patch("header\n", {"a.py": (OLD, new)}))
    changed = OLD.replace("line 24\n", "line 24 (changed since)\n")
    root = tree(tmp_path, {"a.py": changed})
    with pytest.raises(PatchError) as info:
        apply_patch(patch, root)
    assert info.value.message == (
        "a.py: hunk 2 (@@ -22,7 +22,7 @@) does not apply: line 24 is 'line 24 (changed since)', "
        "the patch expects 'line 24' (and the hunk's lines are found nowhere else)"
    )
    assert info.value.line == patch.files[0].hunks[1].line
    assert (root / "a.py").read_text() == changed  # the first hunk applied, but nothing written


@pytest.mark.parametrize(
    "changed",
    [
        OLD.replace("line 3\n", "line 3 \n"),  # trailing whitespace: no leniency
        OLD.replace("line 3\n", "Line 3\n"),
        OLD.rstrip("\n"),  # the patch says the file ends with a newline
    ],
    ids=["whitespace", "case", "newline-at-end"],
)
def test_matching_is_strict(tmp_path: Path, changed: str) -> None:
    near_end = edit(OLD, line3="three\n", line29="twenty-nine\n")
    patch = parse_patch(make_patch("", {"a.py": (OLD, near_end)}))
    with pytest.raises(PatchError, match="does not apply"):
        apply_to_texts(patch, lambda _rel: changed)


def test_a_file_missing_or_already_there_is_refused(tmp_path: Path) -> None:
    patch = parse_patch(make_patch("", {"a.py": (OLD, OLD + "more\n")}))
    with pytest.raises(PatchError, match=r"a\.py: no such file to patch"):
        apply_patch(patch, tmp_path)
    create = parse_patch(make_patch("", {"a.py": (None, "x\n")}))
    with pytest.raises(PatchError, match="creates it, but it exists"):
        apply_patch(create, tree(tmp_path, {"a.py": "x\n"}))


@pytest.mark.parametrize(
    "path",
    ["../outside.py", "sub/../../outside.py", "/etc/passwd"],
)
def test_paths_may_not_leave_the_folder(tmp_path: Path, path: str) -> None:
    text = f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchError, match="must be relative to the folder") as info:
        parse_patch(text)
    assert info.value.line == 1


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tree(tmp_path / "outside", {"secret.py": "a\n"})
    root = tmp_path / "copy"
    root.mkdir()
    os.symlink(outside, root / "link")
    patch = parse_patch("--- link/secret.py\n+++ link/secret.py\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(PatchError, match="leads outside the folder"):
        apply_patch(patch, root)
    assert (outside / "secret.py").read_text() == "a\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just words\n", "no file in the patch"),
        ("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n", "without git's a/ and b/"),
        ("--- x.py\n+++ y.py\n@@ -1 +1 @@\n-a\n+b\n", "renames are not supported"),
        ("--- x.py\n+++ x.py\n", "x.py: no hunk"),
        ("--- x.py\n+++ x.py\n@@ -1,2 +1,2 @@\n-a\n+b\n", "ends early"),
        ("--- x.py\n+++ x.py\n@@ -1 +1 @@\n-a\n+b\n c\n", "unexpected line between files"),
        ("--- x.py\n+++ x.py\n@@ -1 +1,2 @@\n-a\n-x\n+b\n", "more lines than its header counts"),
        ("--- x.py\n+++ x.py\n@@ one @@\n-a\n+b\n", "malformed hunk header"),
        ("--- x.py\n+++ x.py\n@@ -1,2 +1,2 @@\n-a\n?b\n", "unexpected line in a hunk"),
    ],
    ids=[
        "no-file",
        "git-prefixes",
        "rename",
        "no-hunk",
        "short",
        "long-context",
        "long-removed",
        "bad-header",
        "bad-line",
    ],
)
def test_malformed_patches_are_refused(text: str, message: str) -> None:
    with pytest.raises(PatchError, match=message):
        parse_patch(text)


def test_diff_u_headers_with_timestamps_are_read() -> None:
    text = (
        "--- checkout.py\t2024-05-01 10:00:00.000000000 +0200\n"
        "+++ checkout.py\t2024-05-01 10:05:00.000000000 +0200\n"
        "@@ -1 +1 @@\n-a\n+b\n"
    )
    assert apply_to_texts(parse_patch(text), lambda _rel: "a\n") == {"checkout.py": "b\n"}
