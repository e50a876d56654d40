"""``kb-browser diff OLD NEW [--json]``: rule-level changes between two KB folders or published versions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.diff_cli import marked
from kb.changes import DELETE, INSERT, snapshot
from kb.loader import load_kb
from kb.paths import bundled_kb_dir

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = bundled_kb_dir()
CHANGED_OLD = "Рассинхронизация баланса."
CHANGED_NEW = "Рассинхронизация баланса в личном кабинете."
ADDED_TEXT = "Возврат ошибочного платежа, зачисленного на чужой номер."
REMOVED_TEXT = "Смена номера без выбора"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """The bundled KB with ss/finance/4 changed, ss/finance/15 added and sv/one-step/11 removed."""
    kb = tmp_path / "new"
    shutil.copytree(BUNDLED, kb)
    _edit(kb / "ss.md", f"4. {CHANGED_OLD}\n", f"4. {CHANGED_NEW}\n")
    _edit(
        kb / "ss.md",
        "## Технические вопросы {#technical}",
        f"15. {ADDED_TEXT}\n\n## Технические вопросы {{#technical}}",
    )
    sv = (kb / "sv.md").read_text(encoding="utf-8")
    start, end = sv.index(f"11. {REMOVED_TEXT}"), sv.index("## Список вопросов для перевода в два шага")
    (kb / "sv.md").write_text(sv[:start] + sv[end:], encoding="utf-8")
    return kb


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The verb as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", *args], cwd=ROOT, capture_output=True, timeout=120, env=env
    )


def test_diff_of_the_bundled_kb_against_an_edited_copy(edited: Path):
    proc = run("diff", str(BUNDLED), str(edited))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    out = proc.stdout.decode("utf-8")
    assert out.splitlines() == [
        "~ изменено ss/finance/4 (Финансовые вопросы, п.4):",
        f"    было:  {CHANGED_OLD}",
        "    стало: Рассинхронизация баланса {+в личном кабинете+}.",
        f"+ добавлено ss/finance/15 (Финансовые вопросы, п.15): {ADDED_TEXT}",
        f"- удалено sv/one-step/11 (Список вопросов для перевода в один шаг, п.11): {REMOVED_TEXT}",
        "",
        "Изменений: 3 (добавлено 1, изменено 1, удалено 1)",
    ]
    assert proc.stderr == b""


def test_diff_json_of_the_bundled_kb_against_an_edited_copy(edited: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env["PYTHONIOENCODING"] = "cp1251:strict"  # redirected on Russian Windows: JSON stays UTF-8
    proc = run("diff", "--json", str(BUNDLED), str(edited), env=env)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    data = json.loads(proc.stdout.decode("utf-8"))
    assert [(c["id"], c["kind"]) for c in data] == [
        ("ss/finance/4", "changed"),
        ("ss/finance/15", "added"),
        ("sv/one-step/11", "removed"),
    ]
    changed, added, removed = data
    old_kb = snapshot(load_kb(BUNDLED))
    assert changed["old"] == {**_as_dict(old_kb["ss/finance/4"]), "text": CHANGED_OLD}
    assert changed["new"]["text"] == CHANGED_NEW and changed["new"]["section_title"] == "Финансовые вопросы"
    assert changed["old"]["hash"] != changed["new"]["hash"]
    assert "".join(t for op, t in changed["diff"] if op != "insert") == CHANGED_OLD
    assert "".join(t for op, t in changed["diff"] if op != "delete") == CHANGED_NEW
    assert changed["diff"] == [
        ["equal", "Рассинхронизация баланса"],
        ["insert", " в личном кабинете"],
        ["equal", "."],
    ]
    assert added["old"] is None and added["new"]["text"] == ADDED_TEXT and added["new"]["number"] == 15
    assert added["diff"] == [["insert", ADDED_TEXT]]
    assert removed["new"] is None and removed["old"]["text"] == REMOVED_TEXT
    assert removed["old"]["article_title"] == "Перевод на линию супервизора"


def test_human_output_on_a_strict_windows_code_page(edited: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env["PYTHONIOENCODING"] = "cp1251:strict"
    proc = run("diff", str(BUNDLED), str(edited), env=env)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    out = proc.stdout.decode("cp1251")  # every byte is of the code page, Russian kept
    assert "- удалено sv/one-step/11" in out and "Изменений: 3 (добавлено 1, изменено 1, удалено 1)" in out


def _as_dict(state) -> dict:
    from dataclasses import asdict

    return asdict(state)


def _main(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(["diff", *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_no_changes(capsys):
    assert _main(capsys, str(BUNDLED), str(BUNDLED)) == (0, "Изменений нет\n", "")
    rc, out, _ = _main(capsys, "--json", str(BUNDLED), str(BUNDLED))
    assert (rc, json.loads(out)) == (0, [])


def test_a_missing_or_empty_folder_is_one_line_and_exit_2(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.md").write_text("---\nid: x\n---\n", encoding="utf-8")
    for bad, message in [
        (tmp_path / "nope", f"ошибка: нет такой папки: {tmp_path / 'nope'}\n"),
        (BUNDLED / "ss.md", f"ошибка: не папка базы знаний и не манифест .json: {BUNDLED / 'ss.md'}\n"),
        (tmp_path / "empty", f"ошибка: в папке нет статей базы знаний: {tmp_path / 'empty'}\n"),
        (
            tmp_path / "broken",
            f"ошибка: в папке нет статей базы знаний: {tmp_path / 'broken'} (не прочитано файлов: 1)\n",
        ),
    ]:
        assert _main(capsys, str(BUNDLED), str(bad)) == (2, "", message)
        assert _main(capsys, str(bad), str(BUNDLED))[0] == 2


def test_a_broken_article_on_one_side_is_named(capsys, edited):
    (edited / "broken.md").write_text("---\nid: broken\n---\n", encoding="utf-8")
    rc, out, err = _main(capsys, str(BUNDLED), str(edited))
    assert rc == 0 and "Изменений: 3" in out
    assert err.startswith(f"предупреждение: {edited}: файл не прочитан, его правил на этой стороне нет: ")
    assert "broken.md" in err


# ---------------------------------------------------------------------------- published versions
def _publish(kb_dir: Path, version: int, day: str, *, current: bool = True) -> Path:
    """A manifest as kb/manifest.py writes it (format 1), for ``kb_dir`` as it is now."""
    kb = load_kb(kb_dir)
    data = {
        "format": 1,
        "version": version,
        "date": f"{day}T10:00:00+03:00",
        "articles": {
            a.id: {"path": a.path.name, "sha256": "0" * 64, "rules": [r.id for r in a.rules]}
            for a in kb.articles
        },
        "rules": {
            rid: {"article": s.article_id, "hash": s.hash, "changed": day, "text": s.text}
            for rid, s in snapshot(kb).items()
        },
        "files": {},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    folder = kb_dir / ".kb-browser"
    (folder / "versions").mkdir(parents=True, exist_ok=True)
    (folder / "versions" / f"{version}.json").write_text(text, encoding="utf-8")
    if current:
        (folder / "manifest.json").write_text(text, encoding="utf-8")
    return folder / "versions" / f"{version}.json"


def test_diff_of_two_published_versions(capsys, tmp_path, edited):
    kb = tmp_path / "kb"
    shutil.copytree(BUNDLED, kb)
    _publish(kb, 1, "2026-11-20")
    for name in ("ss.md", "sv.md"):
        shutil.copy(edited / name, kb / name)
    _publish(kb, 2, "2026-12-01")
    rc, out, err = _main(capsys, f"{kb}@1", f"{kb}@2")
    assert (rc, err) == (0, "")
    assert out.splitlines()[0] == "~ изменено ss/finance/4 (Финансовые вопросы, п.4):"
    assert out.endswith("Изменений: 3 (добавлено 1, изменено 1, удалено 1)\n")
    # the removed rule's section title comes from the KB folder the version belongs to
    assert f"- удалено sv/one-step/11 (Список вопросов для перевода в один шаг, п.11): {REMOVED_TEXT}" in out
    # a version against a folder, and a manifest file named directly
    assert _main(capsys, f"{kb}@1", str(kb))[1] == out
    assert (
        _main(
            capsys, str(kb / ".kb-browser" / "versions" / "1.json"), str(kb / ".kb-browser" / "manifest.json")
        )[1]
        == out
    )
    assert _main(capsys, str(kb), f"{kb}@2") == (0, "Изменений нет\n", "")


def test_a_manifest_outside_a_kb_folder_uses_the_ids_for_titles(capsys, tmp_path, edited):
    kb = tmp_path / "kb"
    shutil.copytree(BUNDLED, kb)
    loose = tmp_path / "old-manifest.json"
    shutil.copy(_publish(kb, 1, "2026-11-20"), loose)
    rc, out, _ = _main(capsys, str(loose), str(edited))  # titles from the folder side
    assert rc == 0 and "- удалено sv/one-step/11 (Список вопросов для перевода в один шаг, п.11)" in out
    other = tmp_path / "other.json"
    shutil.copy(_publish(edited, 1, "2026-12-01"), other)
    rc, out, _ = _main(capsys, str(loose), str(other))  # no folder anywhere: ids stand in
    assert rc == 0 and "- удалено sv/one-step/11 (one-step, п.11)" in out


def test_a_missing_version_names_the_kept_ones(capsys, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(BUNDLED, kb)
    assert _main(capsys, f"{kb}@1", str(kb)) == (
        2,
        "",
        f"ошибка: нет опубликованной версии 1 в {kb} (база не опубликована (kb-browser publish))\n",
    )
    _publish(kb, 3, "2026-11-20")
    _publish(kb, 4, "2026-11-21")
    assert (
        _main(capsys, f"{kb}@7", str(kb))[2] == f"ошибка: нет опубликованной версии 7 в {kb} (есть: 3, 4)\n"
    )
    assert (
        _main(capsys, f"{tmp_path / 'nope'}@1", str(kb))[2]
        == f"ошибка: нет такой папки: {tmp_path / 'nope'}\n"
    )


@pytest.mark.parametrize(
    "content", ["{not json", '{"format": 1}', "[]", '{"rules": {"a/s/1": {"text": "x"}}}', "\udcff"]
)
def test_a_damaged_manifest_is_one_line_and_exit_2(capsys, tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8", errors="surrogateescape")
    rc, out, err = _main(capsys, str(bad), str(BUNDLED))
    assert (rc, out) == (2, "")
    assert err == f"ошибка: не удалось прочитать опубликованную версию {bad}: это не манифест базы знаний\n"
    assert (
        _main(capsys, str(tmp_path / "gone.json"), str(BUNDLED))[2]
        == f"ошибка: нет такого файла: {tmp_path / 'gone.json'}\n"
    )


def test_marked_sides():
    runs = [("equal", "оплата "), (DELETE, "картой банка"), (INSERT, "наличными"), ("equal", " в кассе")]
    assert marked(runs, DELETE) == "оплата [-картой банка-] в кассе"
    assert marked(runs, INSERT) == "оплата {+наличными+} в кассе"
