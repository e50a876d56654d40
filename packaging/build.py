"""Build the one-folder program dist/kb-browser/ with PyInstaller (packaging/kb-browser.spec).

    pip install '.[build]'          # once: kb-browser itself and PyInstaller, into this venv
    python packaging/build.py       # dist/kb-browser/kb-browser(.exe) and kb-browser-cli(.exe)

It installs nothing: without PyInstaller it says how to get it and exits 2. Build on the OS you
ship for (a Windows build needs a Windows machine). Prints the build time and the folder's size.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "kb-browser.spec"
APP_NAME = "kb-browser"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def pyinstaller_command(dist: Path, work: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",
        str(SPEC),
    ]


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller; returns the built folder. Raises CalledProcessError when it fails."""
    subprocess.run(pyinstaller_command(dist, work), check=True, cwd=ROOT)
    return dist / APP_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build dist/kb-browser with PyInstaller.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        sys.stderr.write(
            "PyInstaller is not installed in this Python. Install the build extra first:\n"
            f"  {sys.executable} -m pip install '.[build]'\n"
        )
        return 2
    started = time.monotonic()
    try:
        folder = build(args.dist.resolve(), args.work.resolve())
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(f"PyInstaller failed (exit {exc.returncode})\n")
        return 1
    seconds = time.monotonic() - started
    size = folder_size(folder)
    print(f"built {folder} in {seconds:.0f} s: {size / 2**20:.0f} MB ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
