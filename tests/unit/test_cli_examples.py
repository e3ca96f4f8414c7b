"""Every `workbench ...` example names a lab that ships, and services, exercises and routes it has.

The first command a newcomer copies must work. Examples are gathered from every command's help,
from the hints and messages in workbench/ (backquoted in string literals) and from the README (its
code blocks and inline code), and parsed with the command's own click parser: an unknown command
or option fails here too. A lab must be a folder of labs/ with a lab.yaml; a service, an exercise
and a `--route` must exist in that lab. Placeholders (LAB, SERVICE, DIR, `<id>`) are skipped;
f-strings (`workbench lab stop {lab.id}`) are not examples and are never seen.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from workbench.cli import cli

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
SPAN = re.compile(r"`(workbench [^`\n]+)`")
ROUTE = re.compile(r"@app\.(?:get|post|put|patch|delete)\(\s*\"([^\"]+)\"")
PLACEHOLDER = re.compile(r"[A-Z][A-Z_]*(?:\.\.\.)?|<[^>]*>|\.\.\.")


@dataclass(frozen=True)
class ShippedLab:
    services: dict[str, str]
    """Service name -> kind (`http` for python services, else the declared kind, e.g. nats)."""
    exercises: frozenset[str]
    routes: dict[str, tuple[str, ...]]
    """Service name -> the paths its FastAPI app declares."""


@cache
def shipped_labs() -> dict[str, ShippedLab]:
    labs: dict[str, ShippedLab] = {}
    for folder in sorted((REPO / "labs").iterdir()):
        if not (folder / "lab.yaml").is_file():
            continue
        raw = yaml.safe_load((folder / "lab.yaml").read_text(encoding="utf-8"))
        services, routes = {}, {}
        for service in raw.get("services") or []:
            name = service["name"]
            services[name] = service.get("kind", "http")
            source = folder / service["source"] if service.get("source") else None
            files = sorted(source.glob("*.py")) if source and source.is_dir() else []
            routes[name] = tuple(r for f in files for r in ROUTE.findall(f.read_text("utf-8")))
        exercises = frozenset(e["id"] for e in raw.get("exercises") or [])
        labs[raw["id"]] = ShippedLab(services, exercises, routes)
    return labs


# -- where examples are ----------------------------------------------------------------------


def all_commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from all_commands(sub, (*path, name))


def examples_in_help() -> Iterator[tuple[str, str]]:
    for path, command in all_commands(cli):
        where = "help of workbench" + "".join(f" {p}" for p in path)
        text = inspect.cleandoc(command.help or "")
        for line in text.splitlines():  # example lines are indented, prose is not
            if line.startswith(" ") and line.strip().startswith("workbench "):
                yield where, line.strip()
        for span in SPAN.findall(text):
            yield where, span


def examples_in_sources() -> Iterator[tuple[str, str]]:
    for file in sorted((REPO / "workbench").rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for span in SPAN.findall(node.value):
                    yield f"{file.relative_to(REPO)}:{node.lineno}", span


def examples_in_readme() -> Iterator[tuple[str, str]]:
    fence: str | None = None  # the language of the code block we are in, if any
    for line in README.splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
        elif fence is None:
            for span in SPAN.findall(line):
                yield "README text", span
        elif fence in ("", "sh", "bash", "console") and line.startswith("workbench "):
            yield "README code block", line


EXAMPLES = sorted(
    {*examples_in_help(), *examples_in_sources(), *examples_in_readme()},
    key=lambda e: (e[0], e[1]),
)


# -- reading one example ---------------------------------------------------------------------


def _token(word: str) -> str:
    """`[saga]` -> `saga`; `auto|local|docker` -> `auto` (the first of the alternatives)."""
    return word.strip("[]").split("|")[0]


def invocations(example: str) -> tuple[tuple[str, ...], list[list[str]]]:
    """The command path and the argument lists one example line stands for.

    `workbench lab stop saga | --all` is two invocations of `lab stop`; `workbench fault list saga
    | clear saga` two of `fault`. A comment (`  # ...`) is not part of the example.
    """
    text = re.split(r"\s#", example, maxsplit=1)[0]
    first, *others = (part.split() for part in re.split(r"\s\|\s", text))
    words = [w for w in (_token(w) for w in first[1:]) if w and w != "..."]
    path: list[str] = []
    command: click.Command = cli
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        name = words.pop(0)
        sub = command.commands.get(name)
        if sub is None:
            raise AssertionError(f"`workbench {' '.join([*path, name])}` is no command")
        path.append(name)
        command = sub
    alternatives = [[w for w in (_token(w) for w in alt) if w] for alt in others]
    return tuple(path), [words, *alternatives]


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def parse(command: click.Command, path: tuple[str, ...], args: list[str]) -> dict[str, Any]:
    """The parameters click reads from `args`; a mention without its arguments gives what is
    there (`workbench check` in a sentence); an unknown option or a bad value fails."""
    name = "workbench " + " ".join(path)
    if "--help" in args or "-h" in args:
        return {}
    try:
        return dict(command.make_context(name, list(args)).params)
    except click.MissingParameter:
        return dict(command.make_context(name, list(args), resilient_parsing=True).params)
    except click.UsageError as exc:
        raise AssertionError(f"`{name} {' '.join(args)}` does not parse: {exc.message}") from None


def is_placeholder(value: object) -> bool:
    text = str(value)
    return bool(PLACEHOLDER.fullmatch(text)) or "{" in text


# -- what each parameter must name -----------------------------------------------------------


def named_things(path: tuple[str, ...], params: dict[str, Any]) -> dict[str, Any]:
    """lab, service, exercise, kind, route, lab folders: whatever this invocation names."""
    named: dict[str, Any] = {
        "labs": [v for k in ("lab_id", "lab_ids", "lab") for v in _many(params.get(k))],
        "service": params.get("service"),
        "exercise": params.get("exercise"),
        "route": params.get("route"),
        "kind": None,
        "folders": [Path(p) for p in params.get("paths") or ()],
    }
    if path == ("fault",):
        args = list(params.get("args") or ())
        if args[:1] in (["clear"], ["list"]):
            named["labs"] = args[1:2]
        else:
            named["labs"], named["service"], named["kind"] = args[:1], *(args[1:3] + [None] * 2)[:2]
    return named


def _many(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, tuple | list):
        return [str(v) for v in value]
    return [str(value)]


def route_exists(route: str, paths: tuple[str, ...]) -> bool:
    """`--route` matches requests whose path starts with it: some declared path must, segment by
    segment (`{order_id}` matches any segment)."""
    wanted = route.rstrip("/").split("/")
    for declared in paths:
        segments = declared.rstrip("/").split("/")
        if len(wanted) <= len(segments) and all(
            w == s or (s.startswith("{") and s.endswith("}"))
            for w, s in zip(wanted, segments, strict=False)
        ):
            return True
    return False


def problems(path: tuple[str, ...], params: dict[str, Any]) -> list[str]:
    labs = shipped_labs()
    named = named_things(path, params)
    found: list[str] = []
    for folder in named["folders"]:
        if folder.parts[:1] == ("labs",) and not (REPO / folder / "lab.yaml").is_file():
            found.append(f"{folder} is not a lab that ships (labs: {', '.join(sorted(labs))})")
    lab_ids = [lab for lab in named["labs"] if not is_placeholder(lab)]
    for lab_id in lab_ids:
        if lab_id not in labs:
            found.append(f"lab {lab_id!r} does not ship (labs: {', '.join(sorted(labs))})")
    if len(lab_ids) != 1 or lab_ids[0] not in labs:
        return found
    lab = labs[lab_ids[0]]
    service, exercise, kind = named["service"], named["exercise"], named["kind"]
    if exercise and not is_placeholder(exercise) and exercise not in lab.exercises:
        known = ", ".join(sorted(lab.exercises))
        found.append(f"{lab_ids[0]} has no exercise {exercise!r} ({known})")
    if not service or is_placeholder(service):
        return found
    if service not in lab.services:
        return [*found, f"{lab_ids[0]} has no service {service!r} ({', '.join(lab.services)})"]
    request_level = ("latency", "error_rate", "fail_next", "partition")
    if kind in request_level and lab.services[service] != "http":
        found.append(f"{kind} acts through the service kit, and {service!r} has none")
    route = named["route"]
    if route and not route_exists(route, lab.routes[service]):
        found.append(f"{service} has no route under {route} ({', '.join(lab.routes[service])})")
    return found


def problems_of(example: str) -> list[str]:
    """Everything wrong with one example line (an unknown command or option raises)."""
    path, arg_lists = invocations(example)
    command = command_at(path)
    if isinstance(command, click.Group):
        return []  # `workbench` or `workbench lab` alone: nothing to check
    return [p for args in arg_lists for p in problems(path, parse(command, path, args))]


# -- the tests -------------------------------------------------------------------------------


def test_examples_are_found_in_every_source() -> None:
    sources = {where.split(":")[0].split(" of ")[0] for where, _ in EXAMPLES}
    assert {"help", "README code block", "README text"} <= sources
    assert len([e for e in EXAMPLES if e[0].startswith("help")]) >= 30
    assert len([e for e in EXAMPLES if e[0] == "README code block"]) >= 25
    assert any(" saga" in example for _, example in EXAMPLES)


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[f"{w}: {e}" for w, e in EXAMPLES])
def test_example_names_what_ships(where: str, example: str) -> None:
    found = problems_of(example)
    assert not found, f"{where}: `{example}`: " + "; ".join(found)


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("workbench lab start shop", "lab 'shop' does not ship"),
        ("workbench fault saga orders latency --ms 300", "saga has no service 'orders'"),
        ("workbench fault saga payment latency --ms 300 --route /audit", "no route under /audit"),
        ("workbench fault saga broker error_rate --rate 0.5", "'broker' has none"),
        ("workbench lab logs saga audit", "saga has no service 'audit'"),
        ("workbench check saga pricing -v", "saga has no exercise 'pricing'"),
        ("workbench fault list saga | clear shop", "lab 'shop' does not ship"),
        ("workbench labs validate labs/shop", "labs/shop is not a lab that ships"),
    ],
)
def test_a_wrong_example_is_caught(example: str, expected: str) -> None:
    found = problems_of(example)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("workbench lab fault saga", "`workbench lab fault` is no command"),
        ("workbench lab logs saga --lines 3", "does not parse"),
    ],
)
def test_an_example_that_does_not_parse_is_caught(example: str, expected: str) -> None:
    with pytest.raises(AssertionError, match=expected):
        problems_of(example)


def test_placeholders_and_routes_under_a_declared_path_pass() -> None:
    for example in (
        "workbench lab restart LAB SERVICE",
        "workbench lab init saga [DIR]",
        "workbench fault saga inventory fail_next --count 2 --route /reservations",
        "workbench fault saga inventory latency --ms 800 --route /reservations/42/release",
    ):
        assert not problems_of(example)
