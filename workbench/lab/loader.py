"""Reading lab.yaml into a `Lab`, collecting every problem at once with its line."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from pydantic import ValidationError

from workbench.errors import LabInvalidError
from workbench.lab.limits import DEFAULT_LIMITS, Limits, read_bounded, too_big
from workbench.lab.model import FORMAT_VERSION, Lab, Strict
from workbench.lab.problems import Problem, field_path
from workbench.lab.rules import check_lab
from workbench.lab.yamlmarks import (
    Loc,
    YamlShapeError,
    YamlSyntaxError,
    line_of,
    load_with_lines,
)
from workbench.paths import LAB_FILE


def validate_lab_dir(
    lab_dir: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[Lab | None, list[Problem]]:
    """Read and check a lab folder; the lab is None when its shape is too broken to build.

    Never raises on what a lab holds, and costs at most what `limits` allow: a hostile lab
    is a lab with problems, like any other broken lab.
    """
    lab_dir = lab_dir.resolve()
    file = lab_dir / LAB_FILE if lab_dir.is_dir() else lab_dir
    if file.name == LAB_FILE and not lab_dir.is_dir():
        lab_dir = file.parent
    if not file.is_file():
        if file.exists() or file.is_symlink():
            return None, [Problem(file, "", None, f"{LAB_FILE} is not a regular file")]
        return None, [Problem(file, "", None, "no lab.yaml here: a lab is a folder with lab.yaml")]
    oversized = too_big(file, limits.lab_file_bytes)
    if oversized:
        return None, [Problem(file, "", None, f"{LAB_FILE} {oversized}")]
    try:
        text = read_bounded(file, limits.lab_file_bytes)
        data, lines = load_with_lines(
            text, max_nodes=limits.yaml_nodes, max_depth=limits.yaml_depth
        )
    except YamlShapeError as exc:
        return None, [Problem(file, "", exc.line, f"{LAB_FILE} {exc}")]
    except YamlSyntaxError as exc:
        return None, [Problem(file, "", exc.line, str(exc))]
    except ValueError as exc:  # too big, or not UTF-8 (UnicodeDecodeError is a ValueError)
        reason = str(exc) if not isinstance(exc, UnicodeDecodeError) else f"is not UTF-8: {exc}"
        return None, [Problem(file, "", None, f"{LAB_FILE} {reason}")]
    except OSError as exc:
        return None, [Problem(file, "", None, f"cannot read the file: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(file, "", 1, "expected a mapping of fields (id:, title:, ...)")]
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        return None, [
            Problem(
                file,
                "format_version",
                line_of(lines, ("format_version",)),
                f"format_version {version!r} is not supported; this workbench reads "
                f"format_version: {FORMAT_VERSION}",
            )
        ]
    over = [
        Problem(
            file,
            section,
            line_of(lines, (section,)),
            f"{len(items):,} {section}; a lab declares at most {limit:,}",
        )
        for section, limit in limits.sections
        if isinstance(items := data.get(section), list) and len(items) > limit
    ]
    if over:
        return None, over
    try:
        lab = Lab.model_validate(data)
    except ValidationError as exc:
        return None, _by_line([_from_pydantic(file, lines, err) for err in exc.errors()])
    lab._path = file.parent
    problems = [
        # An empty location is about the lab folder, not a line of lab.yaml.
        Problem(file, field_path(loc), line_of(lines, loc) if loc else None, message)
        for loc, message in check_lab(lab, file.parent, limits)
    ]
    return lab, _by_line(problems)


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


@functools.cache
def _known_fields() -> tuple[str, ...]:
    fields: set[str] = set()
    for model in _nested_models():
        for name, info in model.model_fields.items():
            fields.add(info.alias or name)
    return tuple(sorted(fields))


def _nested_models() -> tuple[type[Strict], ...]:
    from workbench.lab import model

    return tuple(
        cls
        for cls in vars(model).values()
        if isinstance(cls, type) and issubclass(cls, Strict) and cls is not Strict
    )


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, _known_fields(), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_lab(lab_dir: Path) -> Lab:
    """A valid lab, or LabInvalidError carrying every problem."""
    lab, problems = validate_lab_dir(lab_dir)
    if problems or lab is None:
        first = problems[0] if problems else "unknown problem"
        raise LabInvalidError(
            f"lab at {lab_dir} is not valid ({len(problems)} problem(s)); first: {first}", problems
        )
    return lab


def _short(value: object, width: int = 80) -> str:
    """The repr of a value from lab.yaml, cut to fit a message (a value may be 200 KiB)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _from_pydantic(file: Path, lines: dict[Loc, int], err: object) -> Problem:
    assert isinstance(err, dict)
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        suggestion = _did_you_mean(str(loc[-1]))
        message = f"unknown field{suggestion}: check its spelling, or remove it"
    elif kind == "missing":
        message = "required field is missing"
    elif kind in {"literal_error", "enum"}:
        message = f"{err['msg'].lower()}, got {_short(err.get('input'))}"
    elif kind in {"bool_parsing", "bool_type"}:
        message = f"expected true or false, got {_short(err.get('input'))}"
    elif kind == "list_type":
        message = f"expected a list (- item lines, or [a, b]), got {_short(err.get('input'))}"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] in ("name", "id"):
        message = (
            f"{_short(err.get('input'))} is not a valid name: use lower-case letters, digits and "
            "dashes, starting with a letter"
        )
    else:
        message = f"{err['msg']} (got {_short(err.get('input'))})"
    return Problem(file, field_path(loc), line_of(lines, loc), message)
