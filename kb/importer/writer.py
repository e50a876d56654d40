"""Writing a planned import into a KB folder: atomic, never overwriting an edited article silently.

Customer phrasings already in an article file are kept in what is written over it (by rule id); a
file that differs from the import only by its phrasings is unchanged; phrasings whose rule the
import no longer has make the file a conflict, named in ``lost_phrasings``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.fs import replace_retrying
from kb.importer.errors import ProcedureImportError
from kb.importer.holders import article_holders, front_matter_id, remove_stale_temp_files
from kb.importer.keep import (
    existing_phrasings,
    has_phrasing_blocks,
    keep_phrasings,
    same_but_phrasings,
)
from kb.importer.naming import file_name
from kb.model import Article

if TYPE_CHECKING:
    from kb.importer.pipeline import ImportPlan

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What happened to each target file (with ``dry_run`` what would happen)."""

    kb_dir: Path
    dry_run: bool = False
    created: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)  # differing file kept; rerun with force
    overwritten: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)  # could not be written; the old file is intact
    failure_reasons: dict[Path, str] = field(default_factory=dict)
    # file -> ids of rules that have customer phrasings in it but are gone from the import: the file is
    # a conflict (with force it is overwritten and these phrasings are dropped, as reported here)
    lost_phrasings: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    # files with [!customer] blocks that do not read as an article, so their phrasings cannot be
    # matched to rules: a conflict as any differing file; with force they are overwritten without them
    unmerged_phrasings: list[Path] = field(default_factory=list)
    # article id -> the file compared and written: the planned name, or the file that already holds
    # the id under another name (the editor renamed ss.md to ss-old.md); warnings say which
    targets: dict[str, Path] = field(default_factory=dict)
    refused: dict[Path, str] = field(default_factory=dict)  # not written at all, and why (Russian)
    warnings: list[str] = field(default_factory=list)  # written, but the editor should know (Russian)
    stale_removed: list[Path] = field(default_factory=list)  # temp files a killed import had left

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.failed and not self.refused

    @property
    def written(self) -> list[Path]:
        return [] if self.dry_run else self.created + self.overwritten


def write_import(
    plan: ImportPlan, kb_dir: Path, *, dry_run: bool = False, force: bool = False
) -> ImportReport:
    """Write each planned article to ``kb_dir``; a differing existing file is a conflict unless ``force``."""
    kb_dir = Path(kb_dir)
    report = ImportReport(kb_dir=kb_dir, dry_run=dry_run)
    if not dry_run:
        try:
            kb_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProcedureImportError(f"не удалось создать папку {kb_dir}: {exc.strerror or exc}") from exc
    planned = [(existing_any_case(safe_target(kb_dir, plan.file_name(a))), a) for a in plan.articles]
    holders = article_holders(kb_dir)
    if not dry_run:
        folders = [kb_dir, *(p.parent for paths in holders.values() for p in paths)]
        report.stale_removed = remove_stale_temp_files(folders)
    for name, article in planned:
        target = _target(report, kb_dir, name, article.id, holders.get(article.id, []))
        if target is None:
            continue
        report.targets[article.id] = target
        try:
            _write_one(report, plan, target, article, force=force)
        except OSError as exc:
            report.failed.append(target)
            report.failure_reasons[target] = exc.strerror or str(exc)
            log.error("cannot write %s: %s", target, exc)
    return report


def _target(
    report: ImportReport, kb_dir: Path, planned: Path, article_id: str, holders: list[Path]
) -> Path | None:
    """The file an article goes to: the one that already holds its id, whatever its name; None (and
    the reason in ``report.refused``) when writing could only leave two files with one id or replace
    another article."""
    others = [p for p in holders if not _same_file(p, planned)]
    if not others:
        held = front_matter_id(planned) if planned.is_file() else ""
        if held and held != article_id:
            return _refuse(
                report,
                planned,
                f"{planned.name} содержит другую статью (id «{held}»), а не «{article_id}»: файл не "
                "перезаписан. Переименуйте этот файл или исправьте его id и повторите импорт",
            )
        return planned
    names = ", ".join(_inside(kb_dir, p) for p in holders)
    if len(holders) > 1:
        return _refuse(
            report,
            planned,
            f"статья «{article_id}» уже есть в нескольких файлах ({names}): не записано. "
            "Оставьте один из этих файлов и повторите импорт",
        )
    holder = others[0]
    if holder.is_symlink():
        return _refuse(
            report,
            planned,
            f"статья «{article_id}» лежит в ссылке {names}: не записано, второй файл не создан",
        )
    report.warnings.append(
        f"статья «{article_id}» уже лежит в файле {names}: импорт сравнивается с ним и пишет в него, "
        f"второй файл {planned.name} не создаётся"
    )
    log.warning("%s holds article %r: the import goes there, not to %s", holder, article_id, planned.name)
    return holder


def _refuse(report: ImportReport, planned: Path, reason: str) -> None:
    report.refused[planned] = reason
    log.warning("%s", reason)
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a == b or os.path.samefile(a, b)
    except OSError:
        return False


def _inside(kb_dir: Path, path: Path) -> str:
    """A file's name as the editor sees it in the KB folder (``ss-old.md``, ``old/ss.md``)."""
    try:
        return path.relative_to(kb_dir).as_posix()
    except ValueError:
        return str(path)


def _write_one(
    report: ImportReport, plan: ImportPlan, target: Path, article: Article, *, force: bool
) -> None:
    existing = target.read_bytes() if target.is_file() else None
    if existing is None:
        data = plan.markdown(article).encode("utf-8")
    else:
        data = _with_existing_phrasings(report, plan, target, article, existing)
    outcome = _outcome(target, existing, data, article, force=force)
    if outcome in ("created", "overwritten") and not report.dry_run:
        atomic_write(target, data)
        log.info("%s %s", outcome, target)
    elif outcome == "conflicts":
        log.warning("%s differs from the import; not overwritten (use force)", target)
    getattr(report, outcome).append(target)


def _with_existing_phrasings(
    report: ImportReport, plan: ImportPlan, target: Path, article: Article, existing: bytes
) -> bytes:
    """The file to write: the import with the existing file's phrasings. Phrasings that cannot be
    carried over (their rule is gone, or the file does not read as an article) go to the report."""
    phrasings = existing_phrasings(existing)
    if phrasings is None and has_phrasing_blocks(existing):
        report.unmerged_phrasings.append(target)
        log.warning("%s does not read as an article: its customer phrasings cannot be kept", target)
    if not phrasings:
        return plan.markdown(article).encode("utf-8")
    kept = keep_phrasings(article, phrasings)
    if kept.lost:
        report.lost_phrasings[target] = kept.lost
        log.warning(
            "%s: rules with customer phrasings are gone from the import: %s", target, ", ".join(kept.lost)
        )
    return plan.markdown(kept.article).encode("utf-8")


def _outcome(target: Path, existing: bytes | None, data: bytes, article: Article, *, force: bool) -> str:
    """created, unchanged (the same but for phrasings and ``source:``), overwritten or conflicts."""
    if existing is None and not target.exists():
        return "created"
    if existing is not None and _unchanged(existing, data, article):
        return "unchanged"
    return "overwritten" if force and existing is not None else "conflicts"


def _unchanged(existing: bytes, data: bytes, article: Article) -> bool:
    """The file as it would be written (but for ``source:``), or an article that reads as the import
    but for its phrasings (blank lines around a phrasing block may differ)."""
    return _same_article(existing, data) or same_but_phrasings(existing, article)


def _same_article(existing: bytes, new: bytes) -> bool:
    """Byte for byte the same, or but for the front matter's ``source:`` (the name the imported file
    had): the same page saved under another name is not a change to the article."""
    return existing == new or _without_source(existing) == _without_source(new)


def _without_source(data: bytes) -> bytes:
    head, sep, body = data.partition(b"\n---\n")
    if not sep or not head.startswith(b"---\n"):
        return data
    lines = [line for line in head.split(b"\n") if not line.startswith(b"source:")]
    return b"\n".join(lines) + sep + body


def safe_target(kb_dir: Path, name: str) -> Path:
    """``kb_dir / name`` for a plain file name; anything that could leave the folder is refused."""
    if name != file_name(Path(name).stem) or Path(name).name != name:
        raise ProcedureImportError(f"недопустимое имя файла статьи: {name!r}")
    target = kb_dir / name
    if target.resolve().parent != kb_dir.resolve():
        raise ProcedureImportError(f"файл статьи {name!r} оказался бы вне папки {kb_dir}")
    return target


def existing_any_case(target: Path) -> Path:
    """The file already there under another case (``SS.MD`` saved on a Windows share for ``ss.md``),
    else ``target``: the import compares with it and writes over it instead of adding a twin."""
    if target.exists():
        return target
    try:
        twins = [
            p
            for p in target.parent.iterdir()
            if p.name.casefold() == target.name.casefold() and p.is_file() and not p.is_symlink()
        ]
    except OSError:
        return target
    return twins[0] if len(twins) == 1 else target


def atomic_write(target: Path, data: bytes) -> None:
    """Write a temp file next to ``target`` and move it into place; the old file survives a crash."""
    mode = target.stat().st_mode & 0o777 if target.is_file() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        replace_retrying(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    """0o666 minus the process umask: what ``open(path, "w")`` would give a new file."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
