"""The learner's design, drawn: the lab's `design_graph` function run in a child process on the
workspace, its graph checked, and every way it can go wrong turned into one sentence; the CLI's
`graph --design` and `diagram --design`."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from support import FIXTURE_LABS, MIXED_LABS

from workbench.app.design import design_view, require_design
from workbench.checks import learner_design
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.topology import DesignError
from workbench.topology.design import normalise

DECOMPOSE = MIXED_LABS / "decompose"


@pytest.fixture
def lab() -> Lab:
    return load_lab(DECOMPOSE)


def test_the_solution_is_drawn_as_the_learners_services(lab: Lab) -> None:
    view = design_view(lab, DECOMPOSE / "solution")
    assert view.problem is None and view.graph is not None
    g = view.graph
    assert sorted(g.nodes) == ["browser", "catalog", "delivery", "ordering"]
    assert g.nodes["browser"]["kind"] == "external"
    assert g.nodes["ordering"]["description"] == "cart, checkout, payment"
    assert g.graph == {"lab": "decompose", "title": "Fixture decomposition lab: your design",
                       "design": True}  # fmt: skip
    weights = {(u, v): a["weight"] for u, v, a in g.edges(data=True) if "weight" in a}
    assert weights == {("catalog", "ordering"): 2, ("ordering", "delivery"): 2}


def test_a_design_file_that_does_not_parse_is_a_sentence(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "design.yaml").write_text("services:\n  shop: [browse\n")
    view = design_view(lab, tmp_path)
    assert view.graph is None
    assert view.problem == "design.yaml line 3: expected ',' or ']', but got '<stream end>'"


def test_a_missing_workspace_is_a_sentence(lab: Lab, tmp_path: Path) -> None:
    view = design_view(lab, tmp_path / "gone")
    assert view.problem is not None and "is not a folder" in view.problem


def _lab_with_design(tmp_path: Path, code: str) -> Lab:
    lab_dir = tmp_path / "decompose"
    shutil.copytree(DECOMPOSE, lab_dir)
    (lab_dir / "design" / "graph.py").write_text(code)
    return load_lab(lab_dir)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "def build(workspace):\n    return {}['missing']\n",
            "your design could not be drawn: the lab's design.graph:build raised KeyError at "
            "graph.py:2: 'missing'",
        ),
        (
            "def build(workspace):\n    return {'a': 1}\n",
            "the lab's design graph is broken: design.graph:build returned dict, not a networkx "
            "graph",
        ),
        ("import sys\ndef build(workspace):\n    sys.exit(3)\n", "raised SystemExit"),
        ("import os\ndef build(workspace):\n    os._exit(3)\n", "ended without an answer (exit 3)"),
        (
            "import networkx as nx\ndef build(workspace):\n    g = nx.DiGraph()\n"
            "    g.add_node('a', kind='castle')\n    return g\n",
            "node 'a' of the design has kind 'castle'; kinds: broker, external, service, store, "
            "subject, volume",
        ),
        ("def build(workspace):\n    return undefined\n", "raised NameError at graph.py:2"),
        ("syntax error here\n", "raised SyntaxError at graph.py:1"),
    ],
)
def test_the_authors_mistakes_are_sentences_never_tracebacks(
    tmp_path: Path, code: str, expected: str
) -> None:
    view = design_view(_lab_with_design(tmp_path, code), DECOMPOSE / "solution")
    assert view.graph is None
    assert view.problem is not None and expected in view.problem
    assert "Traceback" not in view.problem


def test_a_design_function_that_hangs_is_stopped(tmp_path: Path) -> None:
    lab = _lab_with_design(tmp_path, "def build(workspace):\n    while True:\n        pass\n")
    view = design_view(lab, DECOMPOSE / "solution", timeout=1.0)
    assert view.problem == "drawing your design took longer than 1 s: stopped"


def test_what_the_design_function_prints_does_not_spoil_its_answer(tmp_path: Path) -> None:
    lab = _lab_with_design(
        tmp_path,
        "import networkx as nx\ndef build(workspace):\n    print('hello')\n"
        "    g = nx.Graph()\n    g.add_edge('a', 'b')\n    return g\n",
    )
    view = design_view(lab, DECOMPOSE / "solution")
    assert view.graph is not None
    assert list(view.graph.edges) == [("a", "b", "http:0")]  # an undirected edge, once


def test_the_learners_files_are_data_not_code(lab: Lab, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(DECOMPOSE / "solution", workspace)
    marker = tmp_path / "ran"
    (workspace / "yaml.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    view = design_view(lab, workspace)
    assert view.graph is not None
    assert not marker.exists()  # `import yaml` in the lab's code found the real one


def test_normalise_fills_in_defaults_and_drops_what_cannot_be_shown() -> None:
    g = nx.Graph()
    g.add_node(1, colour={"r", "g"}, weight=2)
    g.add_edge(1, 2, weight=3.5)
    out = normalise(g, lab_id="x", title="X")
    assert out.nodes["1"] == {"weight": 2, "kind": "service", "label": "1", "context": None,
                              "group": None, "declared": True}  # fmt: skip
    assert out.edges["1", "2", "http:0"]["weight"] == 3.5
    bad = nx.DiGraph()
    bad.add_edge("a", "b", kind="telepathy")
    with pytest.raises(DesignError, match="kinds: event, http, netns, store, volume"):
        normalise(bad, lab_id="x", title="X")


def test_a_lab_without_a_design_graph_says_so_in_one_sentence() -> None:
    with pytest.raises(WorkbenchError) as info:
        require_design(load_lab(FIXTURE_LABS / "shop"))
    assert info.value.message == (
        "lab 'shop' declares no design graph, so there is no design of yours to draw "
        "(`--design` works in labs whose lab.yaml has `design_graph:`)"
    )
    assert info.value.message.count(". ") == 0


# -- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def mixed_labs(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_LABS_PATH", f"{MIXED_LABS}:{FIXTURE_LABS}")
    monkeypatch.setenv("COLUMNS", "120")
    return MIXED_LABS


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_graph_design_draws_the_workspace(mixed_labs: Path) -> None:
    result = invoke("graph", "decompose", "--design", "--workspace", str(DECOMPOSE / "solution"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.output  # type: ignore[attr-defined]
    assert "your design in" in out
    assert "ordering" in out and "delivery" in out and "talk 2" in out


def test_graph_design_shows_the_parse_problem_in_place(mixed_labs: Path, tmp_path: Path) -> None:
    (tmp_path / "design.yaml").write_text("services: [\n")
    result = invoke("graph", "decompose", "--design", "--workspace", str(tmp_path))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "design.yaml line 2" in result.output  # type: ignore[attr-defined]
    assert result.exception is None or isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]


def test_graph_design_uses_the_recorded_workspace(mixed_labs: Path) -> None:
    missing = invoke("graph", "decompose", "--design")
    assert isinstance(missing.exception, WorkbenchError)  # type: ignore[attr-defined]
    assert "has no workspace yet" in missing.exception.message  # type: ignore[attr-defined]
    assert invoke("lab", "init", "decompose").exit_code == 0  # type: ignore[attr-defined]
    drawn = invoke("graph", "decompose", "--design")
    assert drawn.exit_code == 0  # type: ignore[attr-defined]
    assert "shop" in drawn.output  # the starter's monolith  # type: ignore[attr-defined]


def test_design_refusals(mixed_labs: Path) -> None:
    for args, message in (
        (("graph", "shop", "--design"), "lab 'shop' declares no design graph"),
        (("diagram", "shop", "--design"), "lab 'shop' declares no design graph"),
        (("graph", "decompose", "--design", "--live"), "choose one"),
        (("diagram", "--all-labs", "--design"), "name the lab instead of --all-labs"),
    ):
        result = invoke(*args)
        assert isinstance(result.exception, WorkbenchError), args  # type: ignore[attr-defined]
        assert message in result.exception.message  # type: ignore[attr-defined]


def test_diagram_design_exports_the_design(mixed_labs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "diagram", "decompose", "--design", "--format", "mermaid,dot", "-o", str(out),
        "--workspace", str(DECOMPOSE / "solution"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    mermaid = (out / "decompose-design.mmd").read_text()
    assert "%% Fixture decomposition lab: your design" in mermaid
    assert 'svc_catalog -->|"talk 2"| svc_ordering' in mermaid
    assert '  ext_browser(["browser"])' in mermaid
    assert (
        '"ordering" -> "delivery" [label="talk 2", style="solid"];'
        in (out / "decompose-design.dot").read_text()
    )


def test_diagram_design_of_a_broken_file_writes_nothing(mixed_labs: Path, tmp_path: Path) -> None:
    (tmp_path / "design.yaml").write_text("services: 3\n")
    out = tmp_path / "out"
    args = ("diagram", "decompose", "--design", "-o", str(out), "--workspace", str(tmp_path))
    result = invoke(*args)
    assert isinstance(result.exception, WorkbenchError)  # type: ignore[attr-defined]
    assert "design.yaml needs `services:`" in result.exception.message  # type: ignore[attr-defined]
    assert not out.exists()


# -- in a check --------------------------------------------------------------------------------


@pytest.fixture
def clean_imports() -> Iterator[None]:
    """`learner_design` imports the lab's design module in this process: forget it after."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    for name in [m for m in sys.modules if m == "design" or m.startswith("design.")]:
        del sys.modules[name]


def test_a_check_grades_the_graph_the_learner_sees(lab: Lab, clean_imports: None) -> None:
    in_check = learner_design(lab, DECOMPOSE / "solution")
    drawn = design_view(lab, DECOMPOSE / "solution").graph
    assert drawn is not None
    assert sorted(in_check.edges(keys=True)) == sorted(drawn.edges(keys=True))
    assert dict(in_check.nodes(data=True)) == dict(drawn.nodes(data=True))


def test_in_a_check_a_broken_design_file_is_a_failed_assertion(
    lab: Lab, clean_imports: None, tmp_path: Path
) -> None:
    (tmp_path / "design.yaml").write_text("services: 3\n")
    with pytest.raises(AssertionError, match=r"design\.yaml needs `services:`"):
        learner_design(lab, tmp_path)
    assert issubclass(DesignError, AssertionError)
