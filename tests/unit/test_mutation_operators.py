"""The mutation operators: what each makes of a small source, that it parses, and its diff."""

from __future__ import annotations

import ast
import difflib
import textwrap

import pytest

from workbench.authoring.mutation.operators import OPERATORS, Mutation, mutations_of

SOURCE = textwrap.dedent(
    '''\
    """A module docstring with 42 in it."""

    import asyncio

    __all__ = ["pay"]
    RETRIES = 3
    DELAY_S = 0.5


    async def pay(client, order, *, tries: int = RETRIES) -> bool:
        """Pay for an order; 7 in a docstring is no number to mutate."""
        print("paying", order)  # output only: never mutated
        if order.total <= 0 or not order.open:
            return False
        try:
            answer = await client.charge(order.id, key=f"pay-{order.id}", amount=order.total)
        except TimeoutError:
            await asyncio.sleep(DELAY_S)
            raise
        except ValueError:
            return False
        order.paid = True
        order.receipt = answer
        return answer is not None
    '''
)


def changed(m: Mutation) -> set[str]:
    """The mutant's changed lines, without their indentation (`-old`, `+new`)."""
    return {ln[0] + ln[1:].strip() for ln in diff(SOURCE, m.apply(SOURCE))}


def diff(before: str, after: str) -> list[str]:
    """The changed lines only (`-old`, `+new`)."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [ln for ln in lines if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def by_operator(operator: str) -> list[Mutation]:
    return [m for m in mutations_of(SOURCE, "pay.py") if m.operator == operator]


def test_every_mutant_parses_and_changes_the_syntax_tree() -> None:
    mutations = mutations_of(SOURCE, "pay.py")
    assert {m.operator for m in mutations} >= set(OPERATORS) - {"unwrap-helper"}
    original = ast.dump(ast.parse(SOURCE))
    for m in mutations:
        assert ast.dump(ast.parse(m.apply(SOURCE))) != original, m.description


def test_docstrings_annotations_dunder_all_and_logging_are_never_mutated() -> None:
    for m in mutations_of(SOURCE, "pay.py"):
        changed = "\n".join(diff(SOURCE, m.apply(SOURCE)))
        assert "docstring" not in changed, m.description
        assert "__all__" not in changed, m.description
        assert "print(" not in changed, m.description
        assert "tries: int" not in changed.replace("tries: int = RETRIES", ""), m.description


def test_delete_statement_removes_the_lines_or_leaves_pass_when_it_was_alone() -> None:
    diffs = [diff(SOURCE, m.apply(SOURCE)) for m in by_operator("delete-statement")]
    assert ["-    order.paid = True"] in diffs
    # the only statement of the `if` becomes `pass`, so the file still parses
    assert ["-        return False", "+        pass"] in diffs
    assert not any("print" in line for d in diffs for line in d)


def test_delete_await_replaces_a_used_answer_by_none() -> None:
    (m,) = by_operator("delete-await")
    assert diff(SOURCE, m.apply(SOURCE))[1] == "+        answer = None"


def test_drop_keyword_removes_the_argument_and_its_comma() -> None:
    results = {m.node_text: diff(SOURCE, m.apply(SOURCE))[1] for m in by_operator("drop-keyword")}
    assert results["key=f'pay-{order.id}'"] == (
        "+        answer = await client.charge(order.id, amount=order.total)"
    )
    assert results["amount=order.total"] == (
        '+        answer = await client.charge(order.id, key=f"pay-{order.id}")'
    )


def test_swap_statements_exchanges_two_neighbours() -> None:
    swapped = [m.apply(SOURCE) for m in by_operator("swap-statements")]
    assert "    order.receipt = answer\n    order.paid = True\n" in "".join(swapped)
    assert all(sorted(s.splitlines()) == sorted(SOURCE.splitlines()) for s in swapped)


def test_numbers_become_zero_one_or_ten_times_themselves() -> None:
    replaced = sorted((m.node_text, m.replacement) for m in by_operator("number"))
    # 0 never "becomes" 0 (nor 0 ten times); the docstrings' 42 and 7 are no numbers
    assert replaced == [("0", "1"), ("0.5", "0.0"), ("0.5", "1.0"), ("0.5", "5.0"),
                        ("3", "0"), ("3", "1"), ("3", "30")]  # fmt: skip


def test_comparisons_flip() -> None:
    made = set().union(*(changed(m) for m in by_operator("comparison")))
    assert "+if order.total > 0 or not order.open:" in made
    assert "+return answer is None" in made


def test_booleans_flip_and_not_goes() -> None:
    made = set().union(*(changed(m) for m in by_operator("boolean")))
    assert "+order.paid = False" in made
    assert "+return True" in made
    assert "+if order.total <= 0 or order.open:" in made
    assert "+if order.total <= 0 and not order.open:" in made


def test_remove_except_drops_one_clause_and_remove_try_the_whole_try() -> None:
    removed = [changed(m) for m in by_operator("remove-except")]
    assert {"-except ValueError:", "-return False"} in removed
    (untried,) = by_operator("remove-try")
    assert "try:" not in untried.apply(SOURCE)
    assert "\n    answer = await client.charge(" in untried.apply(SOURCE)


def test_return_early_inserts_a_return_after_the_docstring() -> None:
    (m,) = by_operator("return-early")
    assert diff(SOURCE, m.apply(SOURCE)) == ["+    return"]
    lines = m.apply(SOURCE).splitlines()
    assert lines[lines.index("    return") - 1].strip().startswith('"""Pay for an order')


def test_unwrap_helper_replaces_a_call_by_the_call_the_helper_ends_with() -> None:
    source = textwrap.dedent(
        """\
        def audited(ledger, amount):
            ledger.note(amount)
            return transfer(ledger, amount * 2)


        def transfer(ledger, amount):
            return amount


        def pay(book):
            return audited(book, 5)
        """
    )
    (m,) = [m for m in mutations_of(source, "x.py") if m.operator == "unwrap-helper"]
    assert diff(source, m.apply(source)) == ["-    return audited(book, 5)",
                                             "+    return transfer(book, 5 * 2)"]  # fmt: skip


def test_a_file_that_does_not_parse_gives_no_mutant() -> None:
    assert mutations_of("def broken(:\n", "x.py") == []


@pytest.mark.parametrize("path", ["labs/saga/solution/checkout.py"])
def test_the_shipped_solutions_mutate_into_parseable_files(path: str) -> None:
    from workbench.paths import REPO_DIR

    text = (REPO_DIR / path).read_text(encoding="utf-8")
    mutations = mutations_of(text, "checkout.py")
    assert len(mutations) > 100
    assert len({m.fingerprint for m in mutations}) == len(mutations)
    for m in mutations:
        ast.parse(m.apply(text))
