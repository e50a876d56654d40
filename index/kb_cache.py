"""The parsed knowledge base kept beside the index, so a fresh process need not parse every file.

``kbcache.pickle`` holds a :class:`kb.loader.LoadCache` (path → file signature and what the file
gave) and each article's content hash. ``load_kb`` still stats every file and parses again any
whose signature differs, so a stale cache only costs time. Any failure to read the file (missing,
truncated, written by another version of the model) means "no cache": the KB is parsed as before.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import pickle
import uuid
import zlib
from pathlib import Path

from kb import model
from kb.fs import replace_retrying
from kb.loader import LoadCache

log = logging.getLogger(__name__)

CACHE_NAME = "kbcache.pickle"
CACHE_VERSION = 4  # 2: Article.order; 3: sub-points in plain text set apart with '; '; 4: Rule.phrasings
MAGIC = b"KBC1"


def _model_fingerprint() -> list:
    """Field names of every model class: a pickle made with other fields is not used."""
    classes = [getattr(model, n) for n in sorted(dir(model)) if dataclasses.is_dataclass(getattr(model, n))]
    return [(c.__name__, [f.name for f in dataclasses.fields(c)]) for c in classes]


def save(index_dir: Path, kb_dir: Path, cache: LoadCache, hashes: dict[Path, str]) -> None:
    """Write the cache atomically; failures are logged, never raised (it is only a speed-up)."""
    data = {
        "version": CACHE_VERSION,
        "model": _model_fingerprint(),
        "kb_dir": str(kb_dir),
        "files": cache.files,
        "hashes": hashes,
    }
    tmp = index_dir / f".{CACHE_NAME}.{uuid.uuid4().hex}"
    try:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        with tmp.open("wb") as f:
            f.write(MAGIC + zlib.crc32(payload).to_bytes(4, "big"))
            f.write(payload)
        replace_retrying(tmp, index_dir / CACHE_NAME)
    except Exception as exc:  # disk full, folder gone, an unpicklable value: go on without
        log.info("KB cache not written to %s: %s", index_dir, exc)
        tmp.unlink(missing_ok=True)


def load(index_dir: Path, kb_dir: Path) -> tuple[LoadCache, dict[Path, str]] | None:
    """The cache written by :func:`save` for ``kb_dir``, or None when there is no usable one."""
    path = index_dir / CACHE_NAME
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, payload = raw[: len(MAGIC) + 4], memoryview(raw)[len(MAGIC) + 4 :]
    if head[: len(MAGIC)] != MAGIC or int.from_bytes(head[len(MAGIC) :], "big") != zlib.crc32(payload):
        log.info("KB cache %s ignored: damaged", path)
        return None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector would only rescan them
    try:
        data = pickle.loads(payload)
    except Exception as exc:  # truncated, garbled, or classes that no longer exist
        log.info("KB cache %s ignored: %s", path, exc)
        return None
    finally:
        if gc_was_enabled:
            gc.enable()
    ok = (
        isinstance(data, dict)
        and data.get("version") == CACHE_VERSION
        and data.get("model") == _model_fingerprint()
        and data.get("kb_dir") == str(kb_dir)
        and isinstance(data.get("files"), dict)
        and isinstance(data.get("hashes"), dict)
    )
    if not ok or not all(_entry_ok(v) for v in data["files"].values()):
        return None
    return LoadCache(files=data["files"]), data["hashes"]


def _entry_ok(entry: object) -> bool:
    return (
        isinstance(entry, tuple)
        and len(entry) == 2
        and isinstance(entry[1], model.Article | model.Glossary | model.Thesaurus | model.LoadError)
    )
