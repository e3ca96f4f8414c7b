"""The mutation operators: every single-point mistake of an established set, made on the text.

Each operator walks the solution file's syntax tree and yields `Candidate`s: text edits spliced
into the original source (formatting and comments survive, the diff is the mistake only). The
set, after the classic mutation-testing operators:

- `delete-statement`: a statement inside a function goes (`pass` when it was the only one);
- `delete-await`: an awaited call whose answer is used becomes `None`;
- `drop-keyword`: a keyword argument of a call goes (its default is used);
- `swap-statements`: two adjacent statements change places;
- `number`: a number (a retry count, a sleep, a timeout) becomes 0, 1 or ten times itself;
- `comparison`: `<` becomes `>=`, `==` becomes `!=`, `in` becomes `not in`, and back;
- `boolean`: `True` and `False` swap, a `not` goes, `and` and `or` swap;
- `remove-except`: one `except` clause of several goes;
- `remove-try`: the `try` around a body goes (the body stays, its handlers go);
- `unwrap-helper`: a call to a module-local helper that ends in `return [await] other(...)`
  becomes that call, skipping what the helper does first;
- `return-early`: a function returns (None) before its first statement.

Docstrings, annotations, `__all__`, `if TYPE_CHECKING:` blocks and logging-only calls are never
mutated. `mutations_of` keeps only candidates that parse and change the syntax tree, and gives
each its fingerprint (see `fingerprint`).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

from workbench.authoring.mutation.fingerprint import fingerprint
from workbench.authoring.mutation.source import (
    Edit,
    Source,
    canonical,
    is_docstring,
    splice,
)

OPERATORS = (
    "delete-statement",
    "delete-await",
    "drop-keyword",
    "swap-statements",
    "number",
    "comparison",
    "boolean",
    "remove-except",
    "remove-try",
    "unwrap-helper",
    "return-early",
)


@dataclass(frozen=True)
class Candidate:
    operator: str
    node: ast.AST
    """The node mutated (its enclosing function and text name the mutation)."""
    edits: tuple[Edit, ...]
    replacement: str
    """What replaces the node, normalised (part of the fingerprint)."""
    description: str


@dataclass(frozen=True)
class Mutation:
    file: str
    """Relative to the solution folder (POSIX)."""
    operator: str
    qualname: str
    """The enclosing function (`Class.method`), or `<module>`."""
    line: int
    node_text: str
    replacement: str
    description: str
    edits: tuple[Edit, ...] = field(repr=False)
    occurrence: int = 0
    fingerprint: str = ""

    def apply(self, source: str) -> str:
        return splice(source, self.edits)


def mutations_of(text: str, file: str) -> list[Mutation]:
    """Every mutation of one Python source file, in source order, each with its fingerprint.

    A file that does not parse gives none (the lab's validation reports it elsewhere).
    """
    try:
        source = Source(text)
    except SyntaxError:
        return []
    original = ast.dump(source.tree)
    found: list[tuple[int, int, Mutation]] = []
    for rank, make in enumerate(_OPERATORS):
        for cand in make(source):
            mutated = splice(text, cand.edits)
            try:
                changed = ast.dump(ast.parse(mutated)) != original
            except SyntaxError:
                continue
            if not changed:
                continue
            node = cand.node
            mutation = Mutation(
                file=file,
                operator=cand.operator,
                qualname=source.qualnames.get(node, "<module>"),
                line=getattr(node, "lineno", 0),
                node_text=_node_text(source, cand),
                replacement=cand.replacement,
                description=cand.description,
                edits=cand.edits,
            )
            found.append((min(e.start for e in cand.edits), rank, mutation))
    found.sort(key=lambda item: (item[0], item[1]))
    seen: dict[tuple[str, str, str, str], int] = {}
    result: list[Mutation] = []
    for _, _, m in found:
        key = (m.qualname, m.operator, m.node_text, m.replacement)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        fp = fingerprint(
            m.file, m.qualname, m.operator,
            node_text=m.node_text, replacement=m.replacement, occurrence=occurrence,
        )  # fmt: skip
        result.append(replace(m, occurrence=occurrence, fingerprint=fp))
    return result


def _node_text(source: Source, cand: Candidate) -> str:
    node = cand.node
    if cand.operator == "return-early" and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return f"def {node.name}"  # the body may change; the mutation is the same
    return canonical(node)


def _first_line(source: Source, node: ast.AST) -> str:
    text = source.segment(node).strip().splitlines()[0]
    return text if len(text) <= 70 else text[:67] + "..."


# ---- statements --------------------------------------------------------------------------------


def _deletable(source: Source, stmt: ast.stmt) -> bool:
    return not (
        stmt in source.skipped
        or is_docstring(stmt)
        or isinstance(
            stmt,
            ast.Pass
            | ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.Global
            | ast.Nonlocal,
        )
        or _is_elif(source, stmt)
    )


def _is_elif(source: Source, stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If) and source.lines[stmt.lineno - 1].lstrip().startswith("elif")


def delete_statement(source: Source) -> Iterator[Candidate]:
    for body in source.bodies():
        for i, stmt in enumerate(body):
            if not _deletable(source, stmt):
                continue
            what = f"delete `{_first_line(source, stmt)}`"
            alone = len(body) == 1
            prev_end = body[i - 1].end_lineno if i else 0
            next_start = body[i + 1].lineno if i + 1 < len(body) else None
            own_lines = (
                source.owns_lines(stmt)
                and (prev_end or 0) < stmt.lineno
                and (next_start is None or next_start > (stmt.end_lineno or stmt.lineno))
            )
            if alone or not own_lines:
                edit = Edit(source.start(stmt), source.end(stmt), "pass")
                yield Candidate("delete-statement", stmt, (edit,), "pass", what)
            else:
                start = source.line_start(stmt.lineno)
                end = source.line_end(stmt.end_lineno or stmt.lineno)
                yield Candidate("delete-statement", stmt, (Edit(start, end, ""),), "", what)


def delete_await(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Await) or node in source.skipped:
            continue
        if isinstance(source.parents.get(node), ast.Expr):
            continue  # a statement of its own: delete-statement covers it
        edit = Edit(source.start(node), source.end(node), "None")
        what = f"`{_first_line(source, node)}` not done (None instead)"
        yield Candidate("delete-await", node, (edit,), "None", what)


def swap_statements(source: Source) -> Iterator[Candidate]:
    for body in source.bodies():
        for a, b in pairwise(body):
            if not (_deletable(source, a) and _deletable(source, b)):
                continue
            text_a, text_b = source.segment(a), source.segment(b)
            if canonical(a) == canonical(b):
                continue
            edits = (Edit(source.start(a), source.end(a), text_b),
                     Edit(source.start(b), source.end(b), text_a))  # fmt: skip
            what = f"swap `{_first_line(source, a)}` with the statement after it"
            yield Candidate("swap-statements", a, edits, canonical(b), what)


def return_early(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node in source.skipped:
            continue
        if _is_generator(node):
            continue
        body = [s for s in node.body if not is_docstring(s)]
        if not body or isinstance(body[0], ast.Return | ast.Pass | ast.Raise):
            continue
        first = body[0]
        if first.lineno == node.lineno or not source.owns_lines(first):
            continue  # `def f(): x` on one line
        at = source.line_start(first.lineno)
        edit = Edit(at, at, source.indent_of(first.lineno) + "return\n")
        yield Candidate("return-early", node, (edit,), "return", f"{node.name}() returns at once")


def _is_generator(func: ast.AST) -> bool:
    return any(isinstance(node, ast.Yield | ast.YieldFrom) for node in _walk_own(func))


def _walk_own(func: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function, without those of the functions and classes inside it."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


# ---- expressions -------------------------------------------------------------------------------


def drop_keyword(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Call) or node in source.skipped:
            continue
        args: list[ast.AST] = [*node.args, *node.keywords]
        args.sort(key=source.start)
        for i, kw in enumerate(args):
            if not isinstance(kw, ast.keyword) or kw.arg is None:
                continue
            if i:
                edit = Edit(source.end(args[i - 1]), source.end(kw), "")
            elif i + 1 < len(args):
                edit = Edit(source.start(kw), source.start(args[i + 1]), "")
            else:
                edit = Edit(source.start(kw), source.end(kw), "")
            what = f"call without `{kw.arg}=`: `{_first_line(source, kw)}` dropped"
            yield Candidate("drop-keyword", kw, (edit,), "", what)


def number(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Constant) or node in source.skipped:
            continue
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, float):
            options = [0.0, 1.0, round(value * 10, 10)]
        else:
            options = [0, 1, value * 10]
        text = source.segment(node)
        for new in dict.fromkeys(options):
            if new == value:
                continue
            rendered = repr(new)
            edit = Edit(source.start(node), source.end(node), rendered)
            yield Candidate("number", node, (edit,), rendered, f"{text} becomes {rendered}")


_FLIP: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Lt: (r"<(?!=)", ">="),
    ast.GtE: (r">=", "<"),
    ast.Gt: (r">(?!=)", "<="),
    ast.LtE: (r"<=", ">"),
    ast.Eq: (r"==", "!="),
    ast.NotEq: (r"!=", "=="),
    ast.In: (r"\bin\b", "not in"),
    ast.NotIn: (r"\bnot\s+in\b", "in"),
    ast.Is: (r"\bis\b", "is not"),
    ast.IsNot: (r"\bis\s+not\b", "is"),
}


def comparison(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Compare) or node in source.skipped:
            continue
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            pattern, flipped = _FLIP[type(op)]
            lo, hi = source.end(operands[i]), source.start(operands[i + 1])
            match = re.search(pattern, source.text[lo:hi])
            if match is None:
                continue
            edit = Edit(lo + match.start(), lo + match.end(), flipped)
            what = f"`{match.group(0)}` becomes `{flipped}` in `{_first_line(source, node)}`"
            yield Candidate("comparison", node, (edit,), flipped, what)


def boolean(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if node in source.skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            new = str(not node.value)
            edit = Edit(source.start(node), source.end(node), new)
            yield Candidate("boolean", node, (edit,), new, f"{node.value} becomes {new}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            start = source.start(node)
            match = re.match(r"not\s*", source.text[start:])
            if match is None:
                continue
            edit = Edit(start, start + match.end(), "")
            kept = canonical(node.operand)
            yield Candidate("boolean", node, (edit,), kept,
                            f"`not` dropped from `{_first_line(source, node)}`")  # fmt: skip
        elif isinstance(node, ast.BoolOp):
            word, other = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            edits: list[Edit] = []
            for left, right in pairwise(node.values):
                lo, hi = source.end(left), source.start(right)
                match = re.search(rf"\b{word}\b", source.text[lo:hi])
                if match is not None:
                    edits.append(Edit(lo + match.start(), lo + match.end(), other))
            if len(edits) == len(node.values) - 1:
                what = f"`{word}` becomes `{other}` in `{_first_line(source, node)}`"
                yield Candidate("boolean", node, tuple(edits), other, what)


# ---- exceptions --------------------------------------------------------------------------------


def remove_except(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Try) or node in source.skipped:
            continue
        if len(node.handlers) < 2 and not node.finalbody:
            continue  # a try needs a handler or a finally: remove-try covers it
        for handler in node.handlers:
            if not source.owns_lines(handler):
                continue
            start = source.line_start(handler.lineno)
            end = source.line_end(handler.end_lineno or handler.lineno)
            what = f"`{_first_line(source, handler)}` clause removed"
            yield Candidate("remove-except", handler, (Edit(start, end, ""),), "", what)


def remove_try(source: Source) -> Iterator[Candidate]:
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Try) or node in source.skipped or node.finalbody:
            continue
        if not source.owns_lines(node):
            continue
        depth = len(source.indent_of(node.body[0].lineno)) - len(source.indent_of(node.lineno))
        if depth <= 0:
            continue  # `try: x` on one line
        kept: list[str] = []
        for block in (node.body, node.orelse):
            if block:
                for lineno in range(block[0].lineno, (block[-1].end_lineno or 0) + 1):
                    kept.append(_dedent(source.lines[lineno - 1], depth))
        start = source.line_start(node.lineno)
        end = source.line_end(node.end_lineno or node.lineno)
        text = "".join(kept)
        what = f"the `try` around `{_first_line(source, node.body[0])}` removed (errors escape)"
        kept_nodes = [*node.body, *node.orelse]
        yield Candidate("remove-try", node, (Edit(start, end, text),), canonical(*kept_nodes), what)


def _dedent(line: str, depth: int) -> str:
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, depth) :]


# ---- helpers -----------------------------------------------------------------------------------


def unwrap_helper(source: Source) -> Iterator[Candidate]:
    helpers = _helpers(source)
    if not helpers:
        return
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Call) or node in source.skipped:
            continue
        if not isinstance(node.func, ast.Name) or node.func.id not in helpers:
            continue
        helper = helpers[node.func.id]
        if source.function_of(node) is helper:
            continue  # recursion
        inner = _wrapped_call(helper)
        assert inner is not None
        bound = _bind(helper, node, source)
        if bound is None:
            continue
        replaced = _Substitute(bound).visit(_copy(inner))
        text = ast.unparse(replaced)
        edit = Edit(source.start(node), source.end(node), text)
        what = f"`{node.func.id}(...)` replaced by the call it wraps, `{_short(text)}`"
        yield Candidate("unwrap-helper", node, (edit,), canonical(replaced), what)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _helpers(source: Source) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions that do something, then `return [await] other(...)`, where the
    wrapped call uses only the helper's parameters and module-level or built-in names."""
    module_names = _module_names(source.tree)
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for stmt in source.tree.body:
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) or stmt.decorator_list:
            continue
        body = [s for s in stmt.body if not is_docstring(s)]
        if len(body) < 2:
            continue  # a pure wrapper: replacing its call changes nothing
        inner = _wrapped_call(stmt)
        args = stmt.args
        if inner is None or args.vararg or args.kwarg or args.posonlyargs:
            continue
        params = {a.arg for a in [*args.args, *args.kwonlyargs]}
        lambda_args = {
            a.arg
            for n in ast.walk(inner)
            if isinstance(n, ast.Lambda)
            for a in [*n.args.args, *n.args.kwonlyargs]
        }
        free = {n.id for n in ast.walk(inner) if isinstance(n, ast.Name)}
        if free <= params | module_names | lambda_args | set(dir(builtins)):
            found[stmt.name] = stmt
    return found


def _wrapped_call(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    last = func.body[-1]
    if not isinstance(last, ast.Return) or last.value is None:
        return None
    value = last.value
    if isinstance(func, ast.AsyncFunctionDef):
        if not isinstance(value, ast.Await) or not isinstance(value.value, ast.Call):
            return None
        return value.value
    return value if isinstance(value, ast.Call) else None


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _bind(
    helper: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, source: Source
) -> dict[str, ast.expr] | None:
    """The helper's parameters bound to the call's arguments (defaults for the rest)."""
    args = helper.args
    positional = [a.arg for a in args.args]
    if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(positional):
        return None
    bound: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg in bound:
            return None
        bound[kw.arg] = kw.value
    defaults = dict(zip(positional[len(positional) - len(args.defaults) :], args.defaults,
                        strict=False))  # fmt: skip
    defaults.update(
        {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False) if d}
    )
    for name in [*positional, *(a.arg for a in args.kwonlyargs)]:
        if name not in bound:
            if name not in defaults:
                return None
            bound[name] = defaults[name]
    return bound


def _copy(node: ast.Call) -> ast.Call:
    copied = ast.parse(ast.unparse(node), mode="eval").body
    assert isinstance(copied, ast.Call)
    return copied


class _Substitute(ast.NodeTransformer):
    def __init__(self, bound: dict[str, ast.expr]) -> None:
        self.bound = bound

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.bound.get(node.id, node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        shadowed = {a.arg for a in [*node.args.args, *node.args.kwonlyargs]}
        inner = _Substitute({k: v for k, v in self.bound.items() if k not in shadowed})
        node.body = inner.visit(node.body)
        return node


_OPERATORS: tuple[Callable[[Source], Iterator[Candidate]], ...] = (
    delete_statement,
    delete_await,
    drop_keyword,
    swap_statements,
    number,
    comparison,
    boolean,
    remove_except,
    remove_try,
    unwrap_helper,
    return_early,
)
