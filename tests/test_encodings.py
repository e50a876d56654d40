"""No text is read or written in the locale's encoding: on Windows that is the ANSI code page
(cp1251, cp1252), which cannot hold every article. Each call names ``encoding=``.

The suite also runs clean under ``PYTHONWARNDEFAULTENCODING=1`` (pyproject turns the warning into
an error, and conftest sets it for every subprocess); this static check needs no flag at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("desktop_app", "index", "kb", "resources", "tests", "benchmarks")
SUBPROCESS = {"run", "Popen", "check_output", "check_call", "call"}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _mode(call: ast.Call, position: int) -> str | None:
    mode = _keyword(call, "mode") or (call.args[position] if len(call.args) > position else None)
    if mode is None:
        return "r"
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else None


def _implicit(call: ast.Call) -> str | None:
    """What the call opens in the default encoding, if anything (``None``: it names one or is binary)."""
    if _keyword(call, "encoding") is not None or any(k.arg is None for k in call.keywords):
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if (name == "read_text" and not call.args) or (name == "write_text" and len(call.args) < 2):
        return name
    if name == "open" and isinstance(func, ast.Name):  # the builtin: mode, buffering, encoding
        mode = _mode(call, 1)
        return "open" if mode is not None and "b" not in mode and len(call.args) < 4 else None
    if name == "open" and call.args:  # Path.open("w"); a bare x.open() may be anything
        mode = _mode(call, 0)
        return "Path.open" if mode is not None and "b" not in mode and len(call.args) < 4 else None
    text = _keyword(call, "text") or _keyword(call, "universal_newlines")
    if name in SUBPROCESS and isinstance(text, ast.Constant) and text.value:
        return f"subprocess.{name}(text=True)"
    return None


def test_every_text_file_and_pipe_names_its_encoding():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {what}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and (what := _implicit(node))
    ]
    assert not found, "\n".join(found)
