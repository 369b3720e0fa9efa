"""The ``prebake`` console script: runs the prebake executable that a platform
wheel carries in ``prebake/bin/`` (``prebake`` or, on Windows, ``prebake.exe``),
as ruff and uv ship their binaries to Python users. scripts/dist.sh builds those
wheels; a wheel or sdist built from source carries no executable, and the
script then says so and exits 127 (the shell's "command not found")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def find_prebake_bin() -> Path:
    """The path of the bundled executable.

    Raises :class:`FileNotFoundError` naming the path looked at when this
    installation carries none."""
    exe = Path(__file__).resolve().parent / "bin" / ("prebake.exe" if sys.platform == "win32" else "prebake")
    if not exe.is_file():
        raise FileNotFoundError(
            f"this prebake package carries no prebake executable ({exe} is absent): install a platform wheel "
            "(pip install prebake on Linux x86_64/aarch64, macOS or Windows x86_64) or build the CLI with Go "
            "(make build in the prebake repository)"
        )
    return exe


def main() -> None:
    """Replace this process with ``prebake`` and the same arguments (POSIX), or
    run it and exit with its status (Windows, which has no exec that keeps the
    console and exit status)."""
    try:
        exe = find_prebake_bin()
    except FileNotFoundError as e:
        print(f"prebake: {e}", file=sys.stderr)
        sys.exit(127)
    args = [str(exe), *sys.argv[1:]]
    if sys.platform == "win32":
        try:
            sys.exit(subprocess.call(args))
        except KeyboardInterrupt:  # the child got the Ctrl-C too and reports it
            sys.exit(130)
    os.execv(exe, args)


if __name__ == "__main__":
    main()
