"""The code's shape, checked: the import contracts in pyproject.toml, and imports at the top.

`lint-imports` (import-linter) checks that the layers run one way, that the collectors and the
pure core stay free of the database and the web, and that nothing imports in a circle. An import
inside a function hides a dependency from it, so those are refused here too, except a heavy one
deferred on purpose: its line, or the comment line above it, says `deferred:` and why.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("monitor", "web", "collectors")
# The venv's own lint-imports, beside the interpreter running the tests.
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DEFERRED = "deferred:"


def test_import_contracts_hold():
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _is_project_import(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in PACKAGES
    return any(alias.name.split(".")[0] in PACKAGES for alias in node.names)


def function_level_imports(path: Path, root: Path = ROOT) -> list[str]:
    """'path:line: statement' for every project import inside a function not marked deferred."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: dict[int, str] = {}
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom) or not _is_project_import(node):
                continue
            marked = DEFERRED in lines[node.lineno - 1] or (
                node.lineno > 1 and DEFERRED in lines[node.lineno - 2]
            )
            if not marked:
                where = path.relative_to(root)
                found[node.lineno] = f"{where}:{node.lineno}: {ast.unparse(node)}"
    return [found[line] for line in sorted(found)]


def project_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            # Migrations are history, frozen as they were written.
            if "versions" in path.parts and "migrations" in path.parts:
                continue
            files.append(path)
    return files


def test_project_imports_sit_at_the_top_of_their_modules():
    offenders = [line for path in project_files() for line in function_level_imports(path)]
    assert not offenders, (
        "import these at the top of the module (or, for a heavy optional dependency, say why "
        f"in a `{DEFERRED}` comment):\n" + "\n".join(offenders)
    )


def test_a_function_level_import_is_found(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text(
        "def late():\n"
        "    from monitor import settings\n"
        "    return settings\n\n\n"
        "def heavy():\n"
        "    # deferred: loads slowly\n"
        "    from monitor.reports import pdf\n"
        "    return pdf\n",
        encoding="utf-8",
    )
    assert function_level_imports(module, tmp_path) == ["probe.py:2: from monitor import settings"]
