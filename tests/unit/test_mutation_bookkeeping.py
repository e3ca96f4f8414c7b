"""Fingerprints that survive unrelated edits, EQUIVALENT.md, choosing mutants, the kill rate."""

from __future__ import annotations

import textwrap

import pytest

from workbench.authoring.mutation.engine import Planned, choose, verdict_of
from workbench.authoring.mutation.equivalents import parse_equivalents
from workbench.authoring.mutation.operators import Mutation, mutations_of
from workbench.authoring.mutation.report import MutantResult, MutationReport, Verdict
from workbench.checkrun.results import CheckResult, CheckRun, ImportProblem, Outcome
from workbench.errors import WorkbenchError

BASE = textwrap.dedent(
    """\
    def total(items, rate=0.5):
        subtotal = sum(items)
        if subtotal > 100:
            subtotal = subtotal * rate
        return subtotal
    """
)


def fingerprints(source: str) -> dict[tuple[str, str, str, int], str]:
    return {
        (m.operator, m.node_text, m.replacement, m.occurrence): m.fingerprint
        for m in mutations_of(source, "pricing.py")
    }


def test_fingerprints_are_ten_hex_characters_and_unique() -> None:
    found = [m.fingerprint for m in mutations_of(BASE, "pricing.py")]
    assert len(set(found)) == len(found) > 10
    assert all(len(fp) == 10 and int(fp, 16) >= 0 for fp in found)


def test_a_function_added_above_or_a_line_rewrapped_keeps_every_fingerprint() -> None:
    edited = "import math\n\n\ndef helper():\n    return math.pi\n\n\n" + BASE.replace(
        "if subtotal > 100:", "if (subtotal\n            > 100):"
    )
    before, after = fingerprints(BASE), fingerprints(edited)
    assert before.items() <= after.items()


def test_changing_the_mutated_code_or_its_function_changes_the_fingerprint() -> None:
    before = fingerprints(BASE)
    key = ("comparison", "subtotal > 100", "<=", 0)
    assert fingerprints(BASE.replace("> 100", "> 200")).get(key) is None
    renamed = fingerprints(BASE.replace("def total", "def grand_total"))
    assert renamed[key] != before[key]
    assert fingerprints(BASE)[key] == before[key]  # and it is stable run to run


def test_identical_mutations_in_one_function_are_told_apart_by_their_occurrence() -> None:
    source = "def f(x):\n    x.a(1)\n    x.b(1)\n"
    ones = [m for m in mutations_of(source, "f.py") if m.operator == "number"
            and m.replacement == "0"]  # fmt: skip
    assert [m.occurrence for m in ones] == [0, 1]
    assert ones[0].fingerprint != ones[1].fingerprint


# ---- EQUIVALENT.md ----------------------------------------------------------------------------


def test_equivalents_are_read_with_their_reasons() -> None:
    text = textwrap.dedent(
        """\
        # Equivalent mutants of the saga lab

        Prose is ignored.

        - `0123456789` checkout.py _retry: a longer back-off only waits longer; the deadline
          still bounds the retries, so no customer sees a difference.
        - `abcdefabcd` checkout.py <module>: the constant is never read.
        """
    )
    eq = parse_equivalents(text)
    assert eq.problems == []
    assert eq.reason("abcdefabcd") == "the constant is never read."
    entry = eq.entries["0123456789"]
    assert (entry.file, entry.function, entry.line) == ("checkout.py", "_retry", 5)
    assert entry.reason.endswith("so no customer sees a difference.")
    assert eq.reason("ffffffffff") is None


def test_malformed_entries_missing_reasons_and_duplicates_are_problems() -> None:
    text = textwrap.dedent(
        """\
        - `nothex` checkout.py run: oops
        - `0123456789` checkout.py run:
        - `abcdefabcd` checkout.py run: first
        - `abcdefabcd` checkout.py run: again
        """
    )
    eq = parse_equivalents(text)
    assert list(eq.entries) == ["abcdefabcd"]
    assert len(eq.problems) == 3
    assert "EQUIVALENT.md:1: expected" in eq.problems[0]
    assert "EQUIVALENT.md:2: `0123456789` needs a reason" in eq.problems[1]
    assert "listed twice" in eq.problems[2]


def test_stale_entries_are_named() -> None:
    eq = parse_equivalents("- `0123456789` checkout.py run: harmless\n")
    assert eq.stale({"0123456789"}) == []
    (stale,) = eq.stale({"abcdefabcd"})
    assert "`0123456789` (checkout.py run) matches no generated mutant" in stale


# ---- choosing and counting --------------------------------------------------------------------


def planned() -> list[Planned]:
    return [Planned(m, ("pricing",), BASE) for m in mutations_of(BASE, "pricing.py")]


def test_choose_only_sample_and_limit() -> None:
    everything = planned()
    assert choose(everything) == (everything, "all")
    wanted = [everything[3].mutation.fingerprint, everything[1].mutation.fingerprint]
    only, how = choose(everything, only=wanted)
    assert only == [everything[1], everything[3]]  # source order
    assert how == "only 2 fingerprint(s)"
    first, _ = choose(everything, sample=5, seed=7)
    again, how = choose(everything, sample=5, seed=7)
    assert first == again and len(first) == 5 and how == "a sample of 5 (seed 7)"
    assert first == [p for p in everything if p in first]  # kept in source order
    other, _ = choose(everything, sample=5, seed=8)
    assert other != first
    assert choose(everything, limit=2)[0] == everything[:2]
    with pytest.raises(WorkbenchError, match="no generated mutant has the fingerprint 0000000000"):
        choose(everything, only=["0000000000"])


def result(mutation: Mutation, verdict: Verdict) -> MutantResult:
    return MutantResult(mutation, verdict, ("pricing",), "diff")


def test_the_kill_rate_counts_timeouts_as_killed_and_leaves_out_equivalent_and_unloadable() -> None:
    ms = [p.mutation for p in planned()][:10]
    verdicts = [Verdict.KILLED] * 5 + [Verdict.TIMED_OUT, Verdict.SURVIVED, Verdict.SURVIVED,
                                       Verdict.EQUIVALENT, Verdict.NOT_LOADABLE]  # fmt: skip
    report = MutationReport("shop", "local", generated=20, planned=10)
    report.results = [result(m, v) for m, v in zip(ms, verdicts, strict=True)]
    # (5 killed + 1 timed out) / (10 - 1 equivalent - 1 not loadable)
    assert report.kill_rate == pytest.approx(6 / 8)
    assert report.counts() == {"killed": 5, "survived": 2, "timed out": 1, "not loadable": 1,
                               "equivalent": 1, "run": 10}  # fmt: skip
    assert [r.mutation for r in report.survivors] == ms[6:8]
    assert not report.ok
    data = report.to_dict()
    assert data["kill_rate"] == 0.75
    assert data["mutants"][6]["verdict"] == "survived"
    assert data["mutants"][6]["fingerprint"] == ms[6].fingerprint
    assert set(data["mutants"][0]) >= {"file", "function", "line", "operator", "diff", "detail"}


def test_a_report_without_survivors_is_ok_and_an_empty_one_has_no_rate() -> None:
    ms = [p.mutation for p in planned()][:2]
    report = MutationReport("shop", None, generated=2)
    assert report.kill_rate is None
    report.results = [result(ms[0], Verdict.KILLED), result(ms[1], Verdict.EQUIVALENT)]
    assert report.ok and report.kill_rate == 1.0


# ---- verdicts ---------------------------------------------------------------------------------


def run_of(*results: CheckResult, error: str | None = None) -> CheckRun:
    return CheckRun("fees", "/ws", ["fees"], results=list(results), error=error)


def check(outcome: Outcome, message: str = "", name: str = "t.py::test_fee") -> CheckResult:
    return CheckResult(name, "fee", "fees", outcome, message)


def test_a_failed_check_kills_and_a_passing_run_survives() -> None:
    assert verdict_of(run_of(check(Outcome.PASSED))) == (Verdict.SURVIVED, "")
    killed = run_of(check(Outcome.PASSED), check(Outcome.FAILED, "fee is 3.00, not 2.00"))
    assert verdict_of(killed) == (Verdict.KILLED, "t.py::test_fee: fee is 3.00, not 2.00")


def test_a_check_that_crashes_kills_but_one_that_hangs_times_out() -> None:
    crashed = run_of(check(Outcome.ERROR, "the check could not finish: TypeError: x"))
    assert verdict_of(crashed)[0] is Verdict.KILLED
    hung = run_of(check(Outcome.ERROR, "the check did not finish within 30 s (it hung)"))
    assert verdict_of(hung)[0] is Verdict.TIMED_OUT
    deadline = run_of(error="the checks were stopped: they did not finish within 60 s")
    assert verdict_of(deadline) == (
        Verdict.TIMED_OUT,
        "the checks were stopped: they did not finish within 60 s",
    )


def test_files_that_do_not_load_are_not_loadable() -> None:
    run = run_of()
    run.import_problems = [ImportProblem("fees.py", 3, "NameError: name 'x' is not defined")]
    assert verdict_of(run) == (
        Verdict.NOT_LOADABLE,
        "its files do not load: fees.py:3: NameError: name 'x' is not defined",
    )
