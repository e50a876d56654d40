"""Writing a planned import into a KB folder: atomic, never overwriting an edited article silently."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.fs import replace_retrying
from kb.importer.errors import ProcedureImportError
from kb.importer.naming import file_name

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

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.failed

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
    targets = [
        (safe_target(kb_dir, plan.file_name(a)), plan.markdown(a).encode("utf-8")) for a in plan.articles
    ]
    for target, data in targets:
        try:
            _write_one(report, target, data, force=force)
        except OSError as exc:
            report.failed.append(target)
            report.failure_reasons[target] = exc.strerror or str(exc)
            log.error("cannot write %s: %s", target, exc)
    return report


def _write_one(report: ImportReport, target: Path, data: bytes, *, force: bool) -> None:
    outcome = _outcome(target, data, force)
    if outcome in ("created", "overwritten") and not report.dry_run:
        atomic_write(target, data)
        log.info("%s %s", outcome, target)
    elif outcome == "conflicts":
        log.warning("%s differs from the import; not overwritten (use force)", target)
    getattr(report, outcome).append(target)


def _outcome(target: Path, data: bytes, force: bool) -> str:
    if not target.exists():
        return "created"
    if target.is_file() and _same_article(target.read_bytes(), data):
        return "unchanged"
    return "overwritten" if force and target.is_file() else "conflicts"


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
