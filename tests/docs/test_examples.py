"""The Python examples in README.md and docs/ run as printed, so the docs cannot rot.

Sybil reads the Markdown code blocks. A block whose first line is a file name
comment (``# acme_callback/plugin.py``, ``# pyproject.toml``) is a file of the
reader's project: it is written into a fresh directory, and when a document
writes test files, pytest runs them there as a vendor would. Every other
Python block is executed on its own and must not raise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Example
from sybil import Sybil
from sybil.parsers.markdown import CodeBlockParser

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FILE_NAME = re.compile(r"^#\s*([\w./-]+\.(?:py|toml))\s*$")


def _collect(path: Path) -> tuple[dict[str, str], list[Example]]:
    """The document's project files by name, and its free-standing Python examples."""
    files: dict[str, str] = {}
    free: list[Example] = []

    def evaluate(example: Example) -> None:
        code = str(example.parsed)
        name = FILE_NAME.match(code.splitlines()[0]) if code.strip() else None
        if name is not None:
            files[name.group(1)] = code
        elif example.region.lexemes.get("arguments", "") == "python":
            free.append(example)

    parsers = [CodeBlockParser(language, evaluator=evaluate) for language in ("python", "toml")]
    for example in Sybil(parsers=parsers).parse(path):
        example.evaluate()
    return files, free


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_free_standing_python_example_runs(document: Path) -> None:
    _, free = _collect(document)
    for example in free:
        try:
            exec(compile(str(example.parsed), f"{document.name}:{example.line}", "exec"), {})
        except Exception as exc:
            pytest.fail(f"{document.name}, the example at line {example.line} raised {type(exc).__name__}: {exc}")


def _has_tests(document: Path) -> bool:
    return any(Path(name).name.startswith("test_") for name in _collect(document)[0])


PROJECTS = [d for d in DOCUMENTS if _has_tests(d)]


def test_the_provider_guide_is_one_of_the_documents_whose_project_runs() -> None:
    assert ROOT / "docs" / "provider-guide.md" in PROJECTS


@pytest.mark.parametrize("document", PROJECTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_documents_project_files_pass_their_own_tests(document: Path, tmp_path: Path) -> None:
    files, _ = _collect(document)
    for name, code in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
        if target.suffix == ".py":
            for package in target.relative_to(tmp_path).parents:
                if package != Path(".") and not (tmp_path / package / "__init__.py").exists():
                    (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{document.name}'s own tests failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout
