"""A Python source file as the operators see it: its syntax tree and positions as text offsets.

`ast` gives columns in UTF-8 bytes; every edit is made on the text, so a mutant keeps the
solution's formatting and comments and its diff is only the mutated lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)


@dataclass(frozen=True)
class Edit:
    start: int
    """Offset (characters) of the first character replaced."""
    end: int
    text: str


def splice(source: str, edits: tuple[Edit, ...]) -> str:
    """`source` with the (non-overlapping) edits applied."""
    out = source
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end :]
    return out


def normalise(text: str) -> str:
    """Code text with its layout ignored: a re-indented or re-wrapped node stays the same."""
    return " ".join(text.split())


def canonical(*nodes: ast.AST) -> str:
    """The nodes' code as Python writes it back: layout, redundant parentheses and comments
    ignored, so a fingerprint survives re-wrapping and re-commenting."""
    return normalise("; ".join(ast.unparse(node) for node in nodes))


class Source:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tree = ast.parse(text)
        self.lines = text.splitlines(keepends=True)
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        self.parents: dict[ast.AST, ast.AST] = {}
        self.qualnames: dict[ast.AST, str] = {}
        self.skipped: set[ast.AST] = set()
        """Nodes no operator touches: docstrings, annotations, `__all__`, type-checking imports,
        logging-only calls (and everything under them)."""
        self._index(self.tree, "<module>")

    # ---- positions ---------------------------------------------------------------------------

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        chars = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self._starts[lineno - 1] + chars

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def segment(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]

    def line_start(self, lineno: int) -> int:
        return self._starts[lineno - 1]

    def line_end(self, lineno: int) -> int:
        """Offset just after the line's newline."""
        return self._starts[min(lineno, len(self.lines))]

    def indent_of(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip())]

    def owns_lines(self, node: ast.AST) -> bool:
        """Whether the node alone fills its lines (only indentation before it, nothing but a
        comment after it), so deleting the lines deletes exactly it."""
        before = self.text[self.line_start(node.lineno) : self.start(node)]  # type: ignore[attr-defined]
        after = self.text[self.end(node) : self.line_end(node.end_lineno)]  # type: ignore[attr-defined]
        return not before.strip() and (not after.strip() or after.strip().startswith("#"))

    # ---- structure ---------------------------------------------------------------------------

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function whose body holds `node` (None at module or class level)."""
        parent = self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return parent
            if isinstance(parent, ast.ClassDef | ast.Lambda):
                return None if isinstance(parent, ast.ClassDef) else self.function_of(parent)
            parent = self.parents.get(parent)
        return None

    def bodies(self) -> list[list[ast.stmt]]:
        """Every statement list inside a function (module and class level are declarations)."""
        found: list[list[ast.stmt]] = []
        for node in ast.walk(self.tree):
            if node in self.skipped:
                continue
            for name in ("body", "orelse", "finalbody"):
                body = getattr(node, name, None)
                if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                    continue
                inside = (
                    node
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    else (self.function_of(node))
                )
                if inside is not None:
                    found.append(body)
        return found

    def _index(self, node: ast.AST, qualname: str) -> None:
        for child in ast.iter_child_nodes(node):
            self.parents[child] = node
            inner = qualname
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                prefix = "" if qualname == "<module>" else qualname + "."
                inner = prefix + child.name
            self.qualnames[child] = inner
            self._index(child, inner)
        for skipped in _not_mutated(node):
            self.skipped.update(ast.walk(skipped))


def _not_mutated(node: ast.AST) -> list[ast.AST]:
    """The parts of `node` no operator may touch."""
    found: list[ast.AST] = []
    if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
        node.body and _is_docstring(node.body[0])
    ):
        found.append(node.body[0])
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if node.returns is not None:
            found.append(node.returns)
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                found.append(arg.annotation)
    elif isinstance(node, ast.AnnAssign):
        found.append(node.annotation)
    elif (
        (isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets))
        or (isinstance(node, ast.If) and _is_type_checking(node.test))
        or (isinstance(node, ast.Expr) and _is_logging(node.value))
        or isinstance(node, ast.JoinedStr)  # positions inside f-strings: unreliable before 3.12
    ):  # fmt: skip
        found.append(node)
    return found


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def is_docstring(stmt: ast.stmt) -> bool:
    return _is_docstring(stmt)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_logging(value: ast.expr) -> bool:
    """`print(...)`, `log.info(...)`, `self.logger.warning(...)`: output only, nothing a check
    can observe of the system's behaviour."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
        receiver = func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        return "log" in str(name).lower()
    return False
