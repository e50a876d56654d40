"""The command line on odd input: ``--json`` is strict UTF-8 whatever the bytes of a file name or a
query, and one unreadable front-matter value costs one file, not the whole KB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.paths import bundled_kb_dir

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file names are bytes; Windows' are UTF-16")


def run(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", *args], cwd=ROOT, capture_output=True, env=env, timeout=180
    )


def strict_json(proc: subprocess.CompletedProcess[bytes]) -> dict:
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return json.loads(proc.stdout.decode("utf-8", errors="strict"))


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    shutil.copytree(bundled_kb_dir(), folder)
    return folder


def test_list_json_is_strict_utf8_with_a_non_utf8_file_name(kb_copy: Path, tmp_path: Path) -> None:
    text = (kb_copy / "sv.md").read_text(encoding="utf-8").replace("id: sv\n", "id: svx\n", 1)
    name = os.fsencode(kb_copy) + b"/\xff-sv.md"
    with open(name, "wb") as fh:
        fh.write(text.encode("utf-8"))
    data = strict_json(run("list", "--json", "--kb", str(kb_copy)))
    odd = next(a["path"] for a in data["articles"] if a["id"] == "svx")
    assert Path(odd).name == "\ufffd-sv.md"
    assert {"ss", "sv", "mnp", "svx"} <= {a["id"] for a in data["articles"]}


def test_search_json_is_strict_utf8_with_undecodable_bytes_in_the_query(tmp_path: Path) -> None:
    query = b"\xff\xfe" + "роуминге".encode()  # sys.argv holds the two bytes as lone surrogates
    proc = run("search", "--json", "--index", str(tmp_path / "ix"), query)
    data = strict_json(proc)
    assert data["query"].startswith("\ufffd\ufffd") and "роуминге" in data["query"]
    assert data["hits"], "the readable words of the query are still searched"


def test_json_text_replaces_every_lone_surrogate() -> None:
    from desktop_app.cli import json_text

    text = json_text({"name": "a\udcffb", "pair": "\ud83d\ude00", "fine": "ёж 😀"})
    assert json.loads(text.encode("utf-8").decode("utf-8")) == {
        "name": "a\ufffdb",
        "pair": "\ufffd\ufffd",
        "fine": "ёж 😀",
    }


def test_order_superscript_two_costs_one_file_and_list_and_search_exit_zero(
    kb_copy: Path, tmp_path: Path
) -> None:
    path = kb_copy / "ss.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("order:"))
    lines[at] = "order: ²"
    path.write_text("\n".join(lines), encoding="utf-8")
    listed = run("list", "--json", "--kb", str(kb_copy))
    ids = {a["id"] for a in strict_json(listed)["articles"]}
    assert ids == {"sv", "mnp"}
    stderr = listed.stderr.decode("utf-8")
    assert f"ss.md:{at + 1}:" in stderr and "order" in stderr, stderr
    found = run("search", "--json", "--kb", str(kb_copy), "--index", str(tmp_path / "ix"), "портация")
    assert strict_json(found)["hits"] and f"ss.md:{at + 1}:" in found.stderr.decode("utf-8")


def test_import_after_renaming_an_article_warns_and_creates_no_twin(kb_copy: Path) -> None:
    from kb.paths import bundled_source

    (kb_copy / "ss.md").rename(kb_copy / "ss-old.md")
    proc = run("import", str(bundled_source()), "--kb", str(kb_copy))
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 0, err
    assert "создано" not in out and "ss-old.md" in out
    assert "предупреждение:" in err and "ss-old.md" in err and "ss.md не создаётся" in err
    assert not (kb_copy / "ss.md").exists()
    listed = run("list", "--json", "--kb", str(kb_copy))
    ids = [a["id"] for a in strict_json(listed)["articles"]]
    assert sorted(ids) == ["mnp", "ss", "sv"] and b"duplicate" not in listed.stderr


def test_import_refusal_is_named_and_exits_one(kb_copy: Path) -> None:
    from kb.paths import bundled_source

    (kb_copy / "ss-copy.md").write_bytes((kb_copy / "ss.md").read_bytes())
    proc = run("import", str(bundled_source()), "--kb", str(kb_copy), "--force")
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 1 and "НЕ записано:" in out and "ss-copy.md" in out
    assert b"Traceback" not in proc.stderr
