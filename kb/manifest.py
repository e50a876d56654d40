"""The manifest of a published KB: its version, date and a content hash per article and per rule.

``kb-browser publish`` writes it into the KB folder's own dot-folder (``KB_DIR/.kb-browser/``,
which the loader and the folder watcher skip), with the manifests of the last few versions kept
beside it in ``versions/<N>.json`` so two published versions can be compared. The version goes up
only when something changed: publishing an unchanged KB leaves every file as it was.

```json
{"format": 1, "version": 3, "date": "2026-12-01T18:40:00+03:00",
 "articles": {"ss": {"path": "ss.md", "sha256": "…", "rules": ["ss/finance/1", …]}},
 "rules": {"ss/finance/1": {"article": "ss", "hash": "…", "changed": "2026-11-24", "text": "…"}},
 "files": {"glossary.md": "…"}}
```
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kb.fingerprints import file_fingerprint, rule_fingerprint
from kb.fs import replace_retrying
from kb.loader import article_files
from kb.model import KnowledgeBase

log = logging.getLogger(__name__)

PUBLISH_DIR = ".kb-browser"  # inside the KB folder; a dot-name, so the loader never reads it
MANIFEST_NAME = "manifest.json"
VERSIONS_DIR = "versions"
KEEP_VERSIONS = 5  # manifests of the newest versions kept in versions/<N>.json
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class ArticleEntry:
    path: str  # the article's file, relative to the KB folder, with '/' separators
    sha256: str  # of the file's bytes
    rules: tuple[str, ...]  # its rule ids, in file order


@dataclass(frozen=True)
class RuleEntry:
    article: str
    hash: str  # kb.fingerprints.rule_fingerprint
    changed: str  # ISO date of the version in which the rule got this hash
    text: str  # plain text, so a diff of two versions can show the old wording


@dataclass(frozen=True)
class Manifest:
    version: int
    date: str  # ISO datetime of the version's publication
    articles: dict[str, ArticleEntry]
    rules: dict[str, RuleEntry]
    files: dict[str, str] = field(default_factory=dict)  # other KB files (glossary, thesaurus) → sha256

    def same_content(self, other: Manifest | None) -> bool:
        """Whether ``other`` describes the same KB (version and dates aside)."""
        return (
            other is not None
            and self.articles == other.articles
            and self.files == other.files
            and _hashes(self) == _hashes(other)
        )


def _hashes(manifest: Manifest) -> dict[str, tuple[str, str, str]]:
    return {rid: (r.article, r.hash, r.text) for rid, r in manifest.rules.items()}


# ----------------------------------------------------------------------------- building


def build_manifest(kb: KnowledgeBase, previous: Manifest | None, now: datetime) -> Manifest:
    """The manifest of ``kb``: the previous version and date when nothing changed, else the next
    version dated ``now``; a rule whose hash is unchanged keeps its ``changed`` date."""
    root = Path(kb.root)
    articles = {
        a.id: ArticleEntry(_relative(a.path, root), file_fingerprint(a.path), tuple(r.id for r in a.rules))
        for a in kb.articles
        if a.path is not None
    }
    old = previous.rules if previous is not None else {}
    today = now.date().isoformat()
    rules = {}
    for rule in kb.rules:
        digest = rule_fingerprint(rule)
        kept = old.get(rule.id)
        changed = kept.changed if kept is not None and kept.hash == digest else today
        rules[rule.id] = RuleEntry(rule.article_id, digest, changed, rule.text)
    files = _other_files(root, {e.path for e in articles.values()})
    draft = Manifest(0, "", articles, rules, files)
    if previous is not None and draft.same_content(previous):
        return Manifest(previous.version, previous.date, articles, previous.rules, files)
    version = previous.version + 1 if previous is not None else 1
    return Manifest(version, now.isoformat(timespec="seconds"), articles, rules, files)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def _other_files(root: Path, article_paths: set[str]) -> dict[str, str]:
    """The KB's Markdown files that are not articles (glossary, thesaurus) → sha256."""
    out = {}
    for path in article_files(root):
        rel = _relative(path, root)
        if rel not in article_paths:
            with contextlib.suppress(OSError):
                out[rel] = file_fingerprint(path)
    return out


# ----------------------------------------------------------------------------- JSON


def manifest_to_json(manifest: Manifest) -> dict:
    return {
        "format": MANIFEST_FORMAT,
        "version": manifest.version,
        "date": manifest.date,
        "articles": {
            aid: {"path": a.path, "sha256": a.sha256, "rules": list(a.rules)}
            for aid, a in manifest.articles.items()
        },
        "rules": {
            rid: {"article": r.article, "hash": r.hash, "changed": r.changed, "text": r.text}
            for rid, r in manifest.rules.items()
        },
        "files": dict(manifest.files),
    }


def manifest_from_json(data: object) -> Manifest:
    """The manifest in ``data`` (parsed JSON); ValueError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"not a manifest of format {MANIFEST_FORMAT}")
    version, date = data.get("version"), data.get("date")
    if not isinstance(version, int) or version < 1 or not isinstance(date, str):
        raise ValueError("manifest version or date is missing")
    articles = {aid: _article_entry(a) for aid, a in _mapping(data, "articles").items()}
    rules = {rid: _rule_entry(r) for rid, r in _mapping(data, "rules").items()}
    files = _mapping(data, "files") if "files" in data else {}
    if not all(isinstance(v, str) for v in files.values()):
        raise ValueError("manifest files must map to sha256 strings")
    return Manifest(version, date, articles, rules, dict(files))


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"manifest {key!r} is not an object")
    return value


def _article_entry(value: object) -> ArticleEntry:
    if not isinstance(value, dict):
        raise ValueError("manifest article entry is not an object")
    path, sha, rules = value.get("path"), value.get("sha256"), value.get("rules")
    if not (isinstance(path, str) and isinstance(sha, str) and isinstance(rules, list)):
        raise ValueError("manifest article entry lacks path, sha256 or rules")
    if not all(isinstance(r, str) for r in rules):
        raise ValueError("manifest article rules must be ids")
    return ArticleEntry(path, sha, tuple(rules))


def _rule_entry(value: object) -> RuleEntry:
    keys = ("article", "hash", "changed", "text")
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in keys):
        raise ValueError("manifest rule entry lacks article, hash, changed or text")
    return RuleEntry(*(value[k] for k in keys))


# ----------------------------------------------------------------------------- files


def publish_dir(kb_dir: Path) -> Path:
    """The KB folder's own folder for what publishing writes."""
    return Path(kb_dir) / PUBLISH_DIR


def manifest_path(kb_dir: Path) -> Path:
    return publish_dir(kb_dir) / MANIFEST_NAME


def version_path(kb_dir: Path, version: int) -> Path:
    return publish_dir(kb_dir) / VERSIONS_DIR / f"{version}.json"


def read_manifest(kb_dir: Path) -> Manifest | None:
    """The KB's current manifest; None when there is none or it cannot be read (never raises)."""
    return read_manifest_file(manifest_path(kb_dir))


def latest_manifest(kb_dir: Path) -> Manifest | None:
    """The current manifest, else the newest kept version (the current one was lost or damaged):
    what the next version is numbered after."""
    current = read_manifest(kb_dir)
    if current is not None:
        return current
    for version in reversed(kept_versions(kb_dir)):
        if (kept := read_version(kb_dir, version)) is not None:
            return kept
    return None


def read_version(kb_dir: Path, version: int) -> Manifest | None:
    """The manifest of an earlier published version, if it is still kept."""
    return read_manifest_file(version_path(kb_dir, version))


def kept_versions(kb_dir: Path) -> list[int]:
    """The versions whose manifests are kept in ``versions/``, oldest first."""
    try:
        names = [p.stem for p in (publish_dir(kb_dir) / VERSIONS_DIR).glob("*.json")]
    except OSError:
        return []
    return sorted(int(n) for n in names if n.isdigit())


def load_manifest_file(path: Path) -> Manifest:
    """The manifest in ``path``; OSError when it cannot be read, ValueError when it is no manifest
    (JSONDecodeError and UnicodeDecodeError are ValueErrors)."""
    return manifest_from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def read_manifest_file(path: Path) -> Manifest | None:
    """The manifest in ``path``; None (logged) when absent, unreadable or not a manifest."""
    try:
        return load_manifest_file(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("manifest %s ignored: %s", path, exc)
        return None


def write_manifest(kb_dir: Path, manifest: Manifest) -> bool:
    """Write ``manifest`` atomically as the current one and as ``versions/<N>.json``, keeping the
    newest :data:`KEEP_VERSIONS`; files already holding it are not touched. True if anything was
    written."""
    text = json.dumps(manifest_to_json(manifest), ensure_ascii=False, indent=1) + "\n"
    written = _write_if_different(version_path(kb_dir, manifest.version), text)
    written = _write_if_different(manifest_path(kb_dir), text) or written
    older = [v for v in kept_versions(kb_dir) if v < manifest.version]
    for old in older[: max(0, len(older) - (KEEP_VERSIONS - 1))]:
        with contextlib.suppress(OSError):  # held open by a reader (Windows): next time
            version_path(kb_dir, old).unlink()
    return written


def _write_if_different(path: Path, text: str) -> bool:
    with contextlib.suppress(OSError, ValueError):
        if path.read_text(encoding="utf-8") == text:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}"
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        replace_retrying(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True
