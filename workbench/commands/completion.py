"""Shell completion (bash, zsh, fish) through click: the callbacks arguments name.

Enable it with `eval "$(_WORKBENCH_COMPLETE=bash_source workbench)"` (zsh_source, fish_source;
see README "Shell completion"). A callback must never fail or print: on any problem it offers
nothing, and the shell falls back to its own completion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from workbench.app.completion import Choice

FAULT_VERBS = ("clear", "list")


def _items(choices: Callable[[], list[Choice]], incomplete: str) -> list[CompletionItem]:
    try:
        found = choices()
    except Exception:  # a broken lab folder or state file must not break the user's shell
        return []
    return [CompletionItem(v, help=h or None) for v, h in found if v.startswith(incomplete)]


def complete_lab(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Lab ids (from the lab folders)."""
    from workbench.app.completion import lab_ids

    return _items(lab_ids, incomplete)


def complete_exercise(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Exercise ids of the lab given before it."""
    from workbench.app.completion import exercise_ids

    lab_id = ctx.params.get("lab_id")
    return _items(lambda: exercise_ids(lab_id), incomplete) if lab_id else []


def complete_service(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Service names of the lab given before it: the running lab's, else its lab.yaml's."""
    from workbench.app.completion import service_names

    lab_id = ctx.params.get("lab_id")
    return _items(lambda: service_names(lab_id), incomplete) if lab_id else []


def complete_fault_args(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """`fault LAB SERVICE KIND | clear LAB | list LAB`: each word by its position."""
    from workbench.app.completion import fault_kinds, lab_ids, service_names

    done = list(ctx.params.get("args") or ())
    if not done:
        verbs = [CompletionItem(v) for v in FAULT_VERBS if v.startswith(incomplete)]
        return verbs + _items(lab_ids, incomplete)
    if done[0] in FAULT_VERBS:
        return _items(lab_ids, incomplete) if len(done) == 1 else []
    if len(done) == 1:
        return _items(lambda: service_names(done[0]), incomplete)
    if len(done) == 2:
        return _items(fault_kinds, incomplete)
    return []
