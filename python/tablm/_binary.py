"""Finding the tablm binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Union

__all__ = ["BinaryNotFoundError", "find_binary", "binary_version"]

PathLike = Union[str, "os.PathLike[str]"]


class BinaryNotFoundError(FileNotFoundError):
    """No tablm binary could be found (or the one named does not exist)."""


def _repo_binaries() -> list:
    # python/tablm/_binary.py -> the repository root is three levels up, when the package is used
    # from a clone (pip install -e, or PYTHONPATH=python) rather than from site-packages.
    root = Path(__file__).resolve().parent.parent.parent
    return [root / ".build" / "release" / "tablm", root / ".build" / "debug" / "tablm"]


def find_binary(binary: Optional[PathLike] = None) -> str:
    """The tablm binary to run, as an absolute path.

    In order: ``binary`` if given, else the environment variable ``TABLM_BINARY``, else ``tablm``
    on ``PATH``, else ``.build/release/tablm`` and then ``.build/debug/tablm`` of the repository the
    package sits in (when used from a clone). Raises :class:`BinaryNotFoundError` if none is found.
    """
    if binary is not None:
        return _checked(os.fspath(binary), "the binary= argument")
    env = os.environ.get("TABLM_BINARY")
    if env:
        return _checked(env, "TABLM_BINARY")
    on_path = shutil.which("tablm")
    if on_path:
        return os.path.abspath(on_path)
    for candidate in _repo_binaries():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BinaryNotFoundError(
        "no tablm binary found: pass binary='/path/to/tablm', set TABLM_BINARY, put tablm on PATH, "
        "or build it in the repository (swift build -c release)"
    )


def _checked(path: str, where: str) -> str:
    resolved = shutil.which(path) if os.sep not in path else path
    if not resolved and os.sep not in path and os.path.isfile(path):
        raise BinaryNotFoundError(f"{where} names {path!r}, which is no file on PATH; for the one "
                                  f"in this folder, write {os.path.join(os.curdir, path)!r}")
    if not resolved or not os.path.isfile(resolved):
        raise BinaryNotFoundError(f"{where} names {path!r}, which is not a file")
    if not os.access(resolved, os.X_OK):
        raise BinaryNotFoundError(f"{where} names {path!r}, which is not executable")
    return os.path.abspath(resolved)


def binary_version(binary: Optional[PathLike] = None) -> Optional[str]:
    """The version the binary reports (``tablm --version``), or None if it cannot say."""
    path = find_binary(binary)
    try:
        done = subprocess.run(
            [path, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[0] if lines else None
