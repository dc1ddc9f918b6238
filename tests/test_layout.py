"""The layout rules, read from the source files: the core imports no face, only ``payload.py``
reads payload keys, and modules and functions stay small.

Each rule is also run on a few lines written to break it, so that a checker that saw nothing
would fail here rather than pass for ever.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "semsearch"
# The faces over the core, and what sits beside the product: none of them may be imported by it.
FACES = ("api", "indexer", "semsearch.cli", "tests", "bench", "scripts", "eval")
# Outside the tests, the size rules hold everywhere.
CHECKED = ("semsearch", "indexer", "api", "bench", "scripts", "eval")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# The one-line comment that lets a module (its first line) or a function (the first line of its
# body) be longer, saying why.
LONG_MARK = "# long because"


def _module_name(path: Path) -> str:
    """'semsearch/store/base.py' -> 'semsearch.store.base' ('__init__' kept: it anchors relative imports)."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _core_files() -> list[Path]:
    return [p for p in sorted(CORE.rglob("*.py")) if "cli" not in p.relative_to(CORE).parts[:1]]


def imported_names(source: str, module: str) -> Iterator[tuple[int, str]]:
    """Every module an import names, wherever it stands (lazy imports in functions included);
    ``from a import b`` names both ``a`` and ``a.b``, relative imports are resolved."""
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def face_imports(source: str, module: str) -> list[str]:
    """One entry per import statement that names a face."""
    found: dict[int, str] = {}
    for line, name in imported_names(source, module):
        if any(name == face or name.startswith(face + ".") for face in FACES):
            found.setdefault(line, name)
    return [f"line {line}: {name}" for line, name in sorted(found.items())]


def test_the_core_imports_no_face() -> None:
    found = {}
    for path in _core_files():
        imports = face_imports(path.read_text(encoding="utf-8"), _module_name(path))
        if imports:
            found[str(path.relative_to(ROOT))] = imports
    assert found == {}, f"the core imports a face: {found}"


@pytest.mark.parametrize(
    ("source", "module", "faces"),
    [
        ("from api.app import create_app", "semsearch.service", 1),
        ("import indexer.pipeline", "semsearch.service", 1),
        ("def f():\n    from semsearch.cli.app import app", "semsearch.service", 1),
        ("from semsearch import cli", "semsearch.service", 1),
        ("from .cli import app", "semsearch.__init__", 1),
        ("from ..cli import common", "semsearch.store.base", 1),
        ("from tests.support.ports import free_port", "semsearch.store.base", 1),
        ("from semsearch.service import SearchService\nimport apis", "semsearch.labels", 0),
        ("from semsearch.client import Client", "semsearch.labels", 0),
    ],
)
def test_the_import_check_sees_a_face(source: str, module: str, faces: int) -> None:
    assert len(face_imports(source, module)) == faces, face_imports(source, module)


def _payload_holder(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "payload") or (
        isinstance(node, ast.Name) and node.id in {"payload", "head", "other_head"}
    )


def payload_key_reads(source: str) -> list[str]:
    """``x.payload["key"]``, ``payload.get("key")`` and the like: a payload key spelled out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _payload_holder(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and _payload_holder(node.func.value)
            and node.args
        ):
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append(f"line {node.lineno}: {key.value}")
    return found


def test_only_the_payload_module_reads_payload_keys() -> None:
    found = {}
    for path in _core_files():
        if path.name != "payload.py":
            reads = payload_key_reads(path.read_text(encoding="utf-8"))
            if reads:
                found[str(path.relative_to(ROOT))] = reads
    assert found == {}, f"payload keys read outside semsearch/payload.py: {found}"


def test_the_payload_check_sees_a_key() -> None:
    source = 'a = p.payload["question_id"]\nb = head.get("answered")\nc = p.payload[key]\nd = row["x"]\n'
    assert payload_key_reads(source) == ["line 1: question_id", "line 2: answered"]


def oversized(source: str, name: str) -> list[str]:
    """A module over MAX_MODULE_LINES, or a function over MAX_FUNCTION_LINES, without the mark."""
    lines = source.splitlines()
    found = []
    if len(lines) > MAX_MODULE_LINES and not (lines and lines[0].startswith(LONG_MARK)):
        found.append(f"{name}: {len(lines)} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            first = lines[node.body[0].lineno - 2].strip() if node.body else ""
            if length > MAX_FUNCTION_LINES and not first.startswith(LONG_MARK):
                found.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    return found


def test_modules_and_functions_stay_small() -> None:
    found = [
        problem
        for folder in CHECKED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in oversized(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == []


def test_the_size_check_sees_a_long_function_and_a_long_module() -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(MAX_FUNCTION_LINES))
    long_function = f"def f() -> None:\n{body}"
    assert oversized(long_function, "m.py") == [f"m.py:1 f(): {MAX_FUNCTION_LINES + 1} lines"]
    assert oversized(f"def f() -> None:\n    {LONG_MARK} it is a table\n{body}", "m.py") == []
    long_module = "x = 1\n" * (MAX_MODULE_LINES + 1)
    assert oversized(long_module, "m.py") == [f"m.py: {MAX_MODULE_LINES + 1} lines"]
    assert oversized(f"{LONG_MARK} it is generated\n{long_module}", "m.py") == []
