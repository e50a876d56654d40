"""Which knowledge-base folder to open, as IT configures it for every workstation (stdlib only).

Precedence, first found wins:

1. the command line: ``kb-browser --kb DIR``;
2. the environment: ``KB_BROWSER_KB=\\\\server\\share\\kb`` (a group policy sets it for all seats);
3. ``kb-browser.ini`` beside the program, a line ``kb = \\\\server\\share\\kb`` (shipped in the folder);
4. the folder the user opened last time (File → «Открыть папку базы знаний…»);
5. the bundled demo knowledge base.

A configured folder is used even when it cannot be reached right now (drive not mapped yet, VPN
down): the window says so and retries; it never falls back to the demo KB by itself.
``poll_seconds`` (ini) or ``KB_BROWSER_POLL_SECONDS`` sets how often the KB folder is re-read when
change notices cannot be trusted (0 switches polling off).
"""

from __future__ import annotations

import locale
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENV_KB = "KB_BROWSER_KB"
ENV_POLL = "KB_BROWSER_POLL_SECONDS"
INI_NAME = "kb-browser.ini"
SOURCES = ("command line", "environment", "ini", "remembered", "bundled")


@dataclass(frozen=True)
class KbChoice:
    path: Path
    source: str  # one of SOURCES

    @property
    def is_fallback(self) -> bool:
        """Nothing was configured: the bundled demo KB is open."""
        return self.source == "bundled"


def program_dir() -> Path:
    """The folder of the program: the .exe's when frozen, else the launcher script's."""
    program = sys.executable if getattr(sys, "frozen", False) else (sys.argv[0] or sys.executable)
    return Path(program).resolve().parent


def read_ini(path: Path) -> dict[str, str]:
    """``key = value`` lines of ``path`` (keys lower-cased); ``#``/``;`` comments and ``[section]``
    lines are skipped. Notepad may have saved it as UTF-8 (with or without BOM) or in the ANSI
    code page (cp1251 on Russian Windows). A missing or unreadable file gives {}."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    text = _decode(data)
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = _unquote(value.strip())
    return values


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(locale.getpreferredencoding(False) or "cp1251", errors="replace")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@dataclass(frozen=True)
class Deployment:
    """What the environment and the ini file beside the program say."""

    environ: Mapping[str, str]
    ini: Mapping[str, str]
    ini_dir: Path

    @classmethod
    def current(cls, folder: Path | None = None, environ: Mapping[str, str] | None = None) -> Deployment:
        folder = folder if folder is not None else program_dir()
        return cls(os.environ if environ is None else environ, read_ini(folder / INI_NAME), folder)

    def kb_dir(self) -> tuple[Path, str] | None:
        """The KB folder IT configured and where it came from (environment or ini), if any."""
        env = self.environ.get(ENV_KB, "").strip()
        if env:
            return Path(_unquote(env)), "environment"
        value = self.ini.get("kb", "").strip()
        if value:
            path = Path(value)
            return (path if _is_absolute(value) else self.ini_dir / path), "ini"
        return None

    def poll_seconds(self) -> float | None:
        """The configured polling interval, None when not configured (or not a number)."""
        for value in (self.environ.get(ENV_POLL), self.ini.get("poll_seconds")):
            if value is None or not value.strip():
                continue
            try:
                return max(0.0, float(value.strip().replace(",", ".")))
            except ValueError:
                log.warning("ignoring poll_seconds=%r: not a number", value)
        return None


def _is_absolute(value: str) -> bool:
    """Absolute on Windows or POSIX: ``\\\\server\\share``, ``X:\\…``, ``/…``."""
    return value.startswith(("\\\\", "//", "/", "\\")) or (len(value) > 1 and value[1] == ":")


def choose_kb(
    command_line: Path | None,
    remembered: Path | None,
    deployment: Deployment,
    bundled: Path | None = None,
) -> KbChoice:
    """The KB folder to open, by the precedence in this module's docstring (no disk access:
    asking a dead network share would block; the window checks reachability in the background)."""
    if command_line is not None:
        return KbChoice(Path(command_line), "command line")
    configured = deployment.kb_dir()
    if configured is not None:
        return KbChoice(*configured)
    if remembered is not None:
        return KbChoice(remembered, "remembered")
    if bundled is None:
        from kb.paths import bundled_kb_dir

        bundled = bundled_kb_dir()
    return KbChoice(bundled, "bundled")


def command_line_kb(kb: Path | None) -> Path:
    """The KB of a command-line verb: ``--kb``, else the KB IT configured for this seat
    (KB_BROWSER_KB, kb-browser.ini beside the program), else the bundled one: the window's choice
    less the folder it remembers."""
    return choose_kb(kb or None, None, Deployment.current()).path
