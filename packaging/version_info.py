"""The Windows version resource of kb-browser.exe and kb-browser-cli.exe (Explorer's «Подробно»
tab; software distribution detects installed versions by it), from pyproject.toml's version.

The text is what PyInstaller's ``version=`` file holds (``pyi-grab_version`` writes the same form);
the spec writes it into PyInstaller's work folder on Windows only.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = "kb-browser"
DESCRIPTION = "База знаний — kb-browser"


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' → (0, 1, 0, 0); what follows the numbers ('rc1', '.dev3', '+local') is dropped."""
    numbers = [int(n) for n in re.findall(r"\d+", re.match(r"[\d.]*", version).group())][:4]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def version_text(version: str, exe_name: str) -> str:
    """PyInstaller's version-file text for ``exe_name`` (e.g. 'kb-browser.exe')."""
    numbers = version_tuple(version)
    dotted = ".".join(str(n) for n in numbers)
    strings = {
        "CompanyName": PRODUCT,
        "FileDescription": DESCRIPTION,
        "FileVersion": dotted,
        "InternalName": exe_name.removesuffix(".exe"),
        "OriginalFilename": exe_name,
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    string_structs = ",\n            ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
        StringTable('041904b0', [
            {string_structs}])]),
    VarFileInfo([VarStruct('Translation', [0x0419, 1200])])
  ]
)
"""


def write_version_file(folder: Path, exe_name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exe_name}.version.txt"
    path.write_text(version_text(project_version(), exe_name), encoding="utf-8")
    return path
