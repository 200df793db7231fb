"""The distributions keep to their boundaries: no private imports across them, no dependency cycles."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = {
    "channelkit-proto": (ROOT / "proto", "channelkit.v1"),
    "channelkit-sdk": (ROOT / "sdk", "channelkit.sdk"),
    "channelkit-host": (ROOT / "host", "channelkit.host"),
    "channelkit-reference-providers": (ROOT / "reference_providers", "channelkit.reference_providers"),
    "acme-echo-provider": (ROOT / "tests" / "plugins" / "acme_echo", "acme_echo"),
    "faulty-providers": (ROOT / "tests" / "plugins" / "faulty_providers", "faulty_providers"),
}


def _owner(module: str) -> str | None:
    for dist, (_, package) in DISTRIBUTIONS.items():
        if module == package or module.startswith(package + "."):
            return dist
    return None


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, including submodules named in ``from package import _module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")]
    return found


def _sources(dist: str) -> list[Path]:
    root, package = DISTRIBUTIONS[dist]
    return sorted((root / Path(*package.split("."))).rglob("*.py"))


def test_no_distribution_imports_another_distributions_private_modules() -> None:
    crossings = []
    for dist in DISTRIBUTIONS:
        for path in _sources(dist):
            for module in _imports(path):
                owner = _owner(module)
                if owner is not None and owner != dist and _is_private(module):
                    crossings.append(f"{path.relative_to(ROOT)} imports {module} (private to {owner})")
    assert crossings == []


def test_the_checker_sees_a_private_import_when_there_is_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from channelkit.sdk import _enums\nfrom channelkit.sdk.runtime._runner import X\n")
    private = [m for m in _imports(sample) if _is_private(m)]
    assert private == ["channelkit.sdk._enums", "channelkit.sdk.runtime._runner"]


def _requirements(dist: str) -> dict[str, set[str]]:
    """``{extra or "": {channelkit distributions it requires}}`` from the distribution's pyproject.toml."""
    project = tomllib.loads((DISTRIBUTIONS[dist][0] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"": project.get("dependencies", []), **project.get("optional-dependencies", {})}
    return {
        extra: {Requirement(r).name for r in requirements if Requirement(r).name in DISTRIBUTIONS}
        for extra, requirements in groups.items()
    }


def test_the_dependency_graph_is_acyclic_including_extras() -> None:
    edges = {dist: set().union(*_requirements(dist).values()) for dist in DISTRIBUTIONS}

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == target or (n not in seen and reaches(n, target, seen | {n})) for n in edges[start])

    cycles = [dist for dist in DISTRIBUTIONS if reaches(dist, dist)]
    assert cycles == []
    assert edges["channelkit-sdk"] == {"channelkit-proto"}, "the SDK and its extras stand without the host"
    assert "channelkit-host" not in edges["channelkit-reference-providers"]


def test_the_installed_sdk_requires_no_host() -> None:
    required = {Requirement(r).name for r in importlib.metadata.requires("channelkit-sdk") or []}
    assert "channelkit-host" not in required


def test_the_version_is_read_from_the_installed_metadata() -> None:
    import channelkit.host
    import channelkit.reference_providers
    import channelkit.sdk

    for module, dist in (
        (channelkit.sdk, "channelkit-sdk"),
        (channelkit.host, "channelkit-host"),
        (channelkit.reference_providers, "channelkit-reference-providers"),
    ):
        assert module.__version__ == importlib.metadata.version(dist)
    hard_coded = [
        f"{path.relative_to(ROOT)}:{number}"
        for dist in DISTRIBUTIONS
        for path in _sources(dist)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"['\"]\d+\.\d+\.\d+['\"]", line) and "_pb2" not in path.name
    ]
    assert hard_coded == [], "a version string in code; read it with importlib.metadata"
