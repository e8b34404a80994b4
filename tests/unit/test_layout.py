"""The package's shape (issue: layout by data flow): imports go one way down
the flow, units are short, signatures between modules are typed, failures are
caught only at the top, and docstrings cite nothing outside the package."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import noxship

SRC = Path(noxship.__file__).resolve().parent  # the package under test, installed or not

# The flow, bottom to top: a module may import only from its own rank or below.
RANKS = {
    "errors": 0,
    "environment": 0,
    "_run": 1,
    "_isolated": 1,
    "_preload": 1,
    "log": 1,
    "summary": 1,
    "options": 1,
    "project": 2,
    "plan": 3,
    "context": 3,  # holds a project and names the CI provider its variables describe
    "build": 4,
    "wheeltest": 5,
    "publish": 6,
    "release": 7,
    "init": 8,
    "sessions": 9,
    "cli": 9,
    "__init__": 0,
    "__main__": 10,
}
TOP_LEVEL_CATCHES = {
    ("cli.py", "main"),
    ("sessions.py", "_guarded"),
    ("sessions.py", "wrapper"),
    # The guard imports the package under test in the project's pytest process:
    # any exception there is the finding it reports.
    ("wheeltest/guard.py", "_check"),
    # The report writer is a script of its own in the test venv: whatever stops one
    # coverage report (coverage.py's errors, the disk) is that report's one line.
    ("wheeltest/covreport.py", "_write"),
    # A background import that fails on anything (a module's own import-time
    # error) is only logged: the step that needs the module raises it then.
    ("_preload.py", "_import_all"),
}


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def room(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_every_module_has_a_rank() -> None:
    assert {room(p) for p, _ in modules()} <= set(RANKS)


def test_imports_go_down_the_flow_only() -> None:
    wrong = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("noxship")
            ):
                parts = node.module.split(".")
                target = parts[1] if len(parts) > 1 else "__init__"
                if RANKS[target] > RANKS[room(path)]:
                    wrong.append(f"{path.relative_to(SRC)} imports {node.module}")
    assert not wrong


def test_no_import_circle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for path, tree in modules():
        name = ".".join(("noxship", *path.relative_to(SRC).with_suffix("").parts))
        name = name.removesuffix(".__init__")
        graph[name] = {
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("noxship")
        }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = [m for m in graph if reaches(m, m, set()) and not m.endswith(("__init__",))]
    # A package's __init__ re-exports its modules; a module importing its own
    # package's __init__ would be a circle, and so would any pair.
    assert not [m for m in circles if any(m.startswith(p + ".") or m == p for p in graph)]


def functions() -> Iterator[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def test_no_function_is_longer_than_60_lines() -> None:
    long = [
        f"{p.relative_to(SRC)}:{f.name} ({(f.end_lineno or 0) - f.lineno + 1} lines)"
        for p, f in functions()
        if (f.end_lineno or 0) - f.lineno + 1 > 60
    ]
    assert not long


def test_no_any_in_signatures() -> None:
    found = []
    for path, f in functions():
        annotations = [a.annotation for a in (*f.args.args, *f.args.kwonlyargs) if a.annotation]
        for node in (*annotations, f.returns):
            if node is not None and "Any" in ast.unparse(node):
                found.append(f"{path.relative_to(SRC)}:{f.name}")
    assert not found


ENVIRONMENT_READERS = {
    # The edges: a nox session or the command line reads the process environment once.
    "sessions.py",
    "cli.py",
    # The environment a child process gets: this process's, less the secrets.
    "environment.py",
    # They run in the project's test process, which noxship starts: the
    # variables noxship sets there are their input.
    "wheeltest/guard.py",
    "wheeltest/collector.py",
}


def test_only_the_edges_read_the_process_environment() -> None:
    """Issue 26, part 3: below the edges, what a run reads from outside comes in
    as a :class:`noxship.context.Context` or a mapping the edge hands down."""
    found = sorted(
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in modules()
        if str(path.relative_to(SRC)) not in ENVIRONMENT_READERS
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in ("environ", "getenv", "environb", "putenv")
    )
    assert not found


def test_except_exception_only_at_the_top() -> None:
    found = []
    for path, f in functions():
        for node in ast.walk(f):
            if (
                isinstance(node, ast.ExceptHandler)
                and node.type is not None
                and ast.unparse(node.type) in ("Exception", "BaseException")
                and (str(path.relative_to(SRC)), f.name) not in TOP_LEVEL_CATCHES
            ):
                found.append(f"{path.relative_to(SRC)}:{f.name}")
    assert not found


@pytest.mark.parametrize("package", ["project", "plan", "build", "wheeltest", "publish", "release"])
def test_each_stage_names_its_api_and_its_imports(package: str) -> None:
    import importlib

    module = importlib.import_module(f"noxship.{package}")
    assert module.__doc__ and "May import" in module.__doc__
    assert module.__all__
    for name in module.__all__:
        assert hasattr(module, name), name


def test_docstrings_cite_nothing_outside_the_package() -> None:
    for path, _ in modules():
        text = path.read_text(encoding="utf-8")
        assert "shared/reference" not in text, path
        assert not re.search(r"(?<!\.)\.\./", text), path
