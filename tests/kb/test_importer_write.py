"""write_import: created / unchanged / conflicts / overwritten, dry run, atomic writes, safe paths."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kb.importer import ImportPlan, ProcedureImportError, import_text, plan_import, write_import
from kb.importer.writer import safe_target
from kb.loader import load_kb
from kb.paths import bundled_source

NAMES = ["mnp.md", "ss.md", "sv.md"]


@pytest.fixture(scope="module")
def plan() -> ImportPlan:
    return plan_import(bundled_source())


def names(paths: list[Path]) -> list[str]:
    return sorted(p.name for p in paths)


def test_first_import_creates_every_article(plan: ImportPlan, tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    report = write_import(plan, kb_dir)
    assert names(report.created) == NAMES
    assert report.unchanged == report.conflicts == report.overwritten == []
    assert report.ok
    assert sorted(p.name for p in kb_dir.iterdir()) == NAMES  # no temp files left behind
    kb = load_kb(kb_dir)
    assert kb.errors == () and len(kb.rules) == 67


def test_reimport_reports_unchanged(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    report = write_import(plan, tmp_path)
    assert names(report.unchanged) == NAMES
    assert report.created == report.overwritten == report.conflicts == []


def test_the_same_page_saved_under_another_name_is_unchanged(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in NAMES}
    renamed = import_text(bundled_source().read_text(encoding="utf-8"), "procedure (1).txt")
    assert b"source: procedure (1).txt" in renamed.markdown(renamed.articles[0]).encode("utf-8")
    report = write_import(renamed, tmp_path)
    assert names(report.unchanged) == NAMES and report.conflicts == []
    assert {name: (tmp_path / name).read_bytes() for name in NAMES} == before  # files untouched


def test_refuses_to_overwrite_an_edited_article_and_names_it(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    edited = tmp_path / "ss.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nПравка оператора.\n", encoding="utf-8")
    before = edited.read_bytes()
    report = write_import(plan, tmp_path)
    assert report.conflicts == [tmp_path / "ss.md"]
    assert not report.ok
    assert names(report.unchanged) == ["mnp.md", "sv.md"]
    assert edited.read_bytes() == before


def test_force_overwrites_a_differing_article(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    (tmp_path / "ss.md").write_text("edited\n", encoding="utf-8")
    report = write_import(plan, tmp_path, force=True)
    assert report.overwritten == [tmp_path / "ss.md"]
    assert report.conflicts == []
    assert (tmp_path / "ss.md").read_text(encoding="utf-8") == plan.files()["ss.md"]


def test_dry_run_writes_nothing(plan: ImportPlan, tmp_path: Path) -> None:
    kb_dir = tmp_path / "new"
    report = write_import(plan, kb_dir, dry_run=True)
    assert report.dry_run and names(report.created) == NAMES and report.written == []
    assert not kb_dir.exists()
    write_import(plan, kb_dir)
    (kb_dir / "sv.md").write_text("edited\n", encoding="utf-8")
    report = write_import(plan, kb_dir, dry_run=True, force=True)
    assert report.overwritten == [kb_dir / "sv.md"]
    assert (kb_dir / "sv.md").read_text(encoding="utf-8") == "edited\n"


def test_crash_mid_write_leaves_the_old_file_intact(
    plan: ImportPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ss.md").write_text("old article\n", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    report = write_import(plan, tmp_path, force=True)
    assert names(report.failed) == NAMES and not report.ok
    assert report.failure_reasons[tmp_path / "ss.md"] == "disk full"
    assert report.created == report.overwritten == []
    assert (tmp_path / "ss.md").read_text(encoding="utf-8") == "old article\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ss.md"]  # the temp files are cleaned up


def test_unwritable_folder_fails_per_file(
    plan: ImportPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    report = write_import(plan, tmp_path)
    assert names(report.failed) == NAMES and not report.ok
    assert set(report.failure_reasons.values()) == {"Permission denied"}
    assert list(tmp_path.iterdir()) == []


def test_kb_folder_that_cannot_be_created_is_a_named_error(plan: ImportPlan, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ProcedureImportError, match="не удалось создать папку"):
        write_import(plan, tmp_path / "file" / "kb")


def test_existing_file_mode_is_kept(plan: ImportPlan, tmp_path: Path) -> None:
    (tmp_path / "ss.md").write_text("old\n", encoding="utf-8")
    (tmp_path / "ss.md").chmod(0o640)
    write_import(plan, tmp_path, force=True)
    assert (tmp_path / "ss.md").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "sv.md").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_other_files_in_the_folder_are_left_alone(plan: ImportPlan, tmp_path: Path) -> None:
    (tmp_path / "glossary.md").write_text("mine\n", encoding="utf-8")
    write_import(plan, tmp_path)
    assert (tmp_path / "glossary.md").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("hostile", ["../../etc", "/etc/passwd", "..", "a/../../b", "CON", "nul"])
def test_hostile_article_ids_never_leave_the_folder(plan: ImportPlan, tmp_path: Path, hostile: str) -> None:
    kb_dir = tmp_path / "kb"
    article = replace(plan.articles[0], id=hostile, path=None)
    report = write_import(ImportPlan(articles=[article]), kb_dir)
    (written,) = report.created
    assert written.parent == kb_dir
    assert [p.name for p in kb_dir.iterdir()] == [written.name]
    assert written.stem.lower() not in {"con", "nul"}
    assert [p.name for p in tmp_path.iterdir()] == ["kb"]


@pytest.mark.parametrize("name", ["../x.md", "/etc/x.md", "a/b.md", "..md", "CON.md", "x.txt"])
def test_safe_target_refuses_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ProcedureImportError):
        safe_target(tmp_path, name)


def test_symlinked_target_outside_is_refused(plan: ImportPlan, tmp_path: Path) -> None:
    kb_dir, outside = tmp_path / "kb", tmp_path / "outside"
    kb_dir.mkdir()
    outside.mkdir()
    (kb_dir / "ss.md").symlink_to(outside / "ss.md")
    with pytest.raises(ProcedureImportError, match="вне папки"):
        safe_target(kb_dir, "ss.md")


def test_planned_path_only_gives_a_name_inside_the_folder(plan: ImportPlan, tmp_path: Path) -> None:
    article = replace(plan.articles[0], path=Path("../../evil.md"))
    report = write_import(ImportPlan(articles=[article]), tmp_path / "kb")
    assert report.created == [tmp_path / "kb" / "evil.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb"]


def test_import_text_plans_file_names() -> None:
    plan = import_text(bundled_source().read_text(encoding="utf-8"), "procedure.txt")
    assert [plan.file_name(a) for a in plan.articles] == ["ss.md", "sv.md", "mnp.md"]
    assert [a.path for a in plan.articles] == [Path("ss.md"), Path("sv.md"), Path("mnp.md")]


# ---------------------------------------------------------------- an id that lives in another file


def test_import_after_renaming_writes_into_the_renamed_file_and_warns(
    plan: ImportPlan, tmp_path: Path
) -> None:
    """ss.md renamed to ss-old.md keeps ``id: ss``: the import compares with it, creates no ss.md."""
    write_import(plan, tmp_path)
    (tmp_path / "ss.md").rename(tmp_path / "ss-old.md")
    report = write_import(plan, tmp_path)
    assert report.created == [] and names(report.unchanged) == ["mnp.md", "ss-old.md", "sv.md"]
    assert report.targets["ss"] == tmp_path / "ss-old.md"
    (warning,) = report.warnings
    assert "ss-old.md" in warning and "ss.md" in warning and "«ss»" in warning
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnp.md", "ss-old.md", "sv.md"]
    kb = load_kb(tmp_path)
    assert kb.errors == () and sorted(a.id for a in kb.articles) == ["mnp", "ss", "sv"]
    assert len(kb.rules) == 67


def test_a_renamed_and_edited_article_needs_force_and_is_overwritten_in_place(
    plan: ImportPlan, tmp_path: Path
) -> None:
    write_import(plan, tmp_path)
    renamed = tmp_path / "old" / "ss-old.md"
    renamed.parent.mkdir()
    (tmp_path / "ss.md").rename(renamed)
    edited = renamed.read_text(encoding="utf-8") + "\nПравка оператора.\n"
    renamed.write_text(edited, encoding="utf-8")
    report = write_import(plan, tmp_path)
    assert report.conflicts == [renamed] and not report.ok
    assert renamed.read_text(encoding="utf-8") == edited and not (tmp_path / "ss.md").exists()
    assert "old/ss-old.md" in report.warnings[0]
    forced = write_import(plan, tmp_path, force=True)
    assert forced.overwritten == [renamed] and forced.created == []
    assert "Правка оператора" not in renamed.read_text(encoding="utf-8")
    assert not (tmp_path / "ss.md").exists()
    kb = load_kb(tmp_path)
    assert kb.errors == () and sorted(a.id for a in kb.articles) == ["mnp", "ss", "sv"]


def test_an_id_already_in_two_files_is_refused_and_nothing_is_written(
    plan: ImportPlan, tmp_path: Path
) -> None:
    write_import(plan, tmp_path)
    (tmp_path / "ss-copy.md").write_bytes((tmp_path / "ss.md").read_bytes() + b"\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    report = write_import(plan, tmp_path, force=True)
    (reason,) = report.refused.values()
    assert "ss.md" in reason and "ss-copy.md" in reason and not report.ok
    assert "ss" not in report.targets
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_planned_file_holding_another_article_is_never_replaced(plan: ImportPlan, tmp_path: Path) -> None:
    """ss.md that an editor turned into article ``vip`` is not overwritten, not even with force."""
    write_import(plan, tmp_path)
    other = (tmp_path / "ss.md").read_text(encoding="utf-8").replace("id: ss\n", "id: vip\n", 1)
    (tmp_path / "ss.md").write_text(other, encoding="utf-8")
    report = write_import(plan, tmp_path, force=True)
    assert list(report.refused) == [tmp_path / "ss.md"] and "vip" in report.refused[tmp_path / "ss.md"]
    assert (tmp_path / "ss.md").read_text(encoding="utf-8") == other


def test_dry_run_reports_the_renamed_file_too(plan: ImportPlan, tmp_path: Path) -> None:
    write_import(plan, tmp_path)
    (tmp_path / "ss.md").rename(tmp_path / "ss-old.md")
    report = write_import(plan, tmp_path, dry_run=True)
    assert report.targets["ss"] == tmp_path / "ss-old.md" and report.warnings
    assert tmp_path / "ss-old.md" in report.unchanged


# ---------------------------------------------------------------- temp files of a killed import


def _temp_file(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_text("---\nid: ss\ntitle: t\nline: СС\n---\n", encoding="utf-8")  # reads as an article
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_stale_temp_files_are_removed_by_the_next_import_and_fresh_ones_kept(
    plan: ImportPlan, tmp_path: Path
) -> None:
    """Older than an hour: the import that made it was killed. Younger: maybe running right now."""
    stale = _temp_file(tmp_path, ".ss.md.k3j_8x2q.tmp", age=2 * 3600)
    fresh = _temp_file(tmp_path, ".sv.md.a1b2c3d4.tmp", age=60)
    mine = _temp_file(tmp_path, ".notes.tmp", age=2 * 3600)  # not an import's: left alone
    assert write_import(plan, tmp_path, dry_run=True).stale_removed == [] and stale.exists()
    report = write_import(plan, tmp_path)
    assert report.stale_removed == [stale] and not stale.exists()
    assert fresh.exists() and mine.exists()
    kb = load_kb(tmp_path)
    assert kb.errors == () and sorted(a.id for a in kb.articles) == ["mnp", "ss", "sv"]


def test_a_killed_import_leaves_a_temp_file_the_loader_ignores(
    plan: ImportPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # as if the process died between writing and renaming

    write_import(plan, tmp_path)
    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)  # no cleanup: killed
    with pytest.raises(KeyboardInterrupt):
        write_import(
            replace(plan, articles=[replace(plan.articles[0], title="Другое")]), tmp_path, force=True
        )
    monkeypatch.undo()
    (left,) = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert left.name.startswith(".ss.md.")
    kb = load_kb(tmp_path)
    assert kb.errors == () and sorted(a.id for a in kb.articles) == ["mnp", "ss", "sv"]
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    assert write_import(plan, tmp_path).stale_removed == [left]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_article_holders_reads_ids_as_the_loader_tells_files_apart(tmp_path: Path) -> None:
    from kb.importer.holders import article_holders

    (tmp_path / "faq.md").write_text("---\nid: faq\ntitle: F\nline: СС\ntype: faq\n---\n", encoding="utf-8")
    (tmp_path / "glossary.md").write_text("---\ntype: glossary\nid: ss\n---\n", encoding="utf-8")
    (tmp_path / "broken.md").write_bytes(b"no front matter")
    (tmp_path / ".ss.md.abc.tmp").write_text("---\nid: ss\n---\n", encoding="utf-8")
    sub = tmp_path / "old"
    sub.mkdir()
    (sub / "x.MD").write_text("---\r\nid: ss\r\ntitle: T\r\n---\r\n", encoding="utf-8")
    assert article_holders(tmp_path) == {"faq": [tmp_path / "faq.md"], "ss": [sub / "x.MD"]}
