"""Regenerate (or check) the Python code generated from the channelkit.v1 contract.

The generated modules are committed beside the ``.proto`` files so that
installing channelkit-proto never needs a code generator. Generated code embeds
the generator's version, so the generators are pinned here exactly and the
script refuses to run with any other version: a different version would churn
every file and move the runtime floors.

Usage::

    python proto/generate.py           # rewrite the generated files in place
    python proto/generate.py --check   # exit 1 and list the files that are stale
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.metadata
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

PINNED_GENERATORS = {"grpcio-tools": "1.85.1", "mypy-protobuf": "5.1.0"}
PROTO_ROOT = Path(__file__).resolve().parent
PACKAGE_DIR = PROTO_ROOT / "channelkit" / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi")


def check_generator_versions() -> None:
    """Stop with a clear message unless the pinned generators are installed."""
    for dist, wanted in PINNED_GENERATORS.items():
        try:
            found = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            sys.exit(f"generate.py needs {dist}=={wanted} (found {found}); run it through `tox -e proto`.")


def plugin_path(name: str) -> str:
    """Return the path of a protoc plugin script installed beside this interpreter."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        sys.exit(f"protoc plugin {name} not found; install mypy-protobuf=={PINNED_GENERATORS['mypy-protobuf']}.")
    return found


def generate_into(out_dir: Path) -> None:
    """Run protoc over every .proto file of the package, writing into ``out_dir``."""
    from grpc_tools import protoc  # imported late: only the generator needs it

    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PACKAGE_DIR.glob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--plugin=protoc-gen-mypy={plugin_path('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={plugin_path('protoc-gen-mypy_grpc')}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed; see the messages above.")
    drop_empty_grpc_modules(out_dir)


def drop_empty_grpc_modules(out_dir: Path) -> None:
    """Delete the ``_pb2_grpc`` modules protoc writes for files without a service."""
    for proto in PACKAGE_DIR.glob("*.proto"):
        if "\nservice " not in proto.read_text(encoding="utf-8"):
            for suffix in (".py", ".pyi"):
                (out_dir / "channelkit" / "v1" / f"{proto.stem}_pb2_grpc{suffix}").unlink(missing_ok=True)


def generated_files(root: Path) -> dict[str, Path]:
    """Map each generated file's name to its path under ``root``."""
    package = root / "channelkit" / "v1"
    return {p.name: p for p in package.iterdir() if p.name.endswith(GENERATED_SUFFIXES)}


def stale_files(fresh_root: Path) -> list[str]:
    """Names of generated files that differ between the package and ``fresh_root``."""
    fresh = generated_files(fresh_root)
    current = generated_files(PROTO_ROOT)
    names = sorted(set(fresh) | set(current))
    return [n for n in names if n not in fresh or n not in current or not filecmp.cmp(fresh[n], current[n], False)]


def main(argv: list[str] | None = None) -> int:
    """Regenerate in place, or with ``--check`` report stale generated files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    options = parser.parse_args(argv)
    check_generator_versions()
    with tempfile.TemporaryDirectory() as tmp:
        generate_into(Path(tmp))
        stale = stale_files(Path(tmp))
        if options.check:
            for name in stale:
                print(f"stale generated file: proto/channelkit/v1/{name}")
            if stale:
                print("run `tox -e proto` (or python proto/generate.py) and commit the result.")
            return 1 if stale else 0
        for path in generated_files(PROTO_ROOT).values():
            path.unlink()
        for name, path in generated_files(Path(tmp)).items():
            shutil.copyfile(path, PACKAGE_DIR / name)
    print(f"regenerated {len(generated_files(PROTO_ROOT))} files in {PACKAGE_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
