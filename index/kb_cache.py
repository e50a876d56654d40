"""The parsed knowledge base kept beside the index, so a fresh process need not parse every file.

``kbcache.bin`` holds, for each file of the KB folder, its signature, what parsing it gave (an
article, the glossary, the thesaurus or a load error) and an article's content hash. It is *data*,
never code: :mod:`marshal` of plain values only (tuples, dicts, str, int, None), rebuilt into the
:mod:`kb.model` dataclasses by decoders made from the model's own type hints, each value checked
for its exact type (a code object marshal can hold is refused like any wrong type, never run).
Nothing in the file names a class or a function to call, so a file planted by someone
else can at worst describe a wrong article, and the index folder is kept private for that
(``index/cache_dir.py``). The old ``kbcache.pickle`` is never read and is deleted when the new file
is written.

marshal is not hardened against crafted input: a forged container length makes it allocate that
many slots before it finds the data short (a MemoryError, or for a moment up to gigabytes). Only
someone who can write in the private folder can forge one; damage is caught by the CRC before
marshal reads anything. JSON would not have that edge, but reads 2× slower (1.1 s against 0.46 s
for the 57 MB of a 100k-rule KB, measured 2026-12).

``load_kb`` still stats every file and parses again any whose signature differs, so a stale cache
only costs time. Anything wrong with the file (missing, truncated, garbled, another format version
or model, values of the wrong shape) means "no cache": the KB is parsed as before.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import logging
import marshal
import operator
import types
import typing
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

from index import cache_dir
from kb import model
from kb.fs import replace_retrying
from kb.loader import LoadCache, Parsed

log = logging.getLogger(__name__)

CACHE_NAME = "kbcache.bin"
OLD_NAMES = ("kbcache.pickle",)  # earlier formats: never read, removed when the cache is written
FORMAT_VERSION = 5  # 5: marshal of plain values (4 and before: pickle)
MAGIC = b"KBC5"
MARSHAL_VERSION = 4
_KINDS = (model.Article, model.Glossary, model.Thesaurus, model.LoadError)  # what a file gives

Codec = Callable[[object], object]


class Malformed(ValueError):
    """A value in the cache file does not have the shape the model expects."""


# ----------------------------------------------------------------------------- codecs
# Each type of the model has an encoder (value → plain values for marshal) and a decoder (plain
# values → value, every one checked for its exact type; Malformed when it does not fit), both made
# from the model's type hints, so a field added to the model is cached without a change here.


def _identity(v: object) -> object:
    return v


def _exact(tp: type) -> Codec:
    def decode(v: object) -> object:
        if type(v) is not tp:  # bool is not an int here
            raise Malformed(f"expected {tp.__name__}, got {type(v).__name__}")
        return v

    return decode


def _str_tuple(v: object) -> tuple[str, ...]:
    if type(v) is not tuple or (v and set(map(type, v)) != _STR):
        raise Malformed("expected a tuple of str")
    return v


def _str_dict(v: object) -> dict[str, str]:
    if type(v) is not dict or (v and set(map(type, (*v, *v.values()))) != _STR):
        raise Malformed("expected a dict of str")
    return dict(v)


_STR = {str}
_paths: dict[str, Path] = {}  # during a load: a file's path and its article's are one object, as parsed
_SIMPLE: dict[object, tuple[Codec, Codec]] = {
    str: (_identity, _exact(str)),
    int: (_identity, _exact(int)),
    Path: (str, lambda v: _paths.get(v) or _paths.setdefault(v, Path(_exact(str)(v)))),
    tuple[str, ...]: (_identity, _str_tuple),
    dict[str, str]: (dict, _str_dict),
}
_FLAT = {str: str, int: int, tuple[str, ...]: tuple}  # field types told apart by the value's type


def _optional(inner: tuple[Codec, Codec]) -> tuple[Codec, Codec]:
    enc, dec = inner
    return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))


def _tuple_of(item: object) -> tuple[Codec, Codec]:
    if _flat_fields(item) is not None:
        return _columns(item)
    enc, dec = codec(item)

    def decode(v: object) -> tuple:
        if type(v) is not tuple:
            raise Malformed("expected a tuple")
        return tuple(map(dec, v))

    return (lambda v: tuple(map(enc, v))), decode


def _fields(cls: type) -> tuple[tuple[str, ...], tuple[object, ...]]:
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in dataclasses.fields(cls))
    return names, tuple(hints[n] for n in names)


def _flat_fields(cls: object) -> tuple[tuple[str, ...], tuple[object, ...]] | None:
    """Names and types of a dataclass whose fields are all str, int or tuples of str (a rule)."""
    if not dataclasses.is_dataclass(cls):
        return None
    names, types_ = _fields(cls)
    return (names, types_) if len(names) > 1 and all(t in _FLAT for t in types_) else None


def _columns(cls: type) -> tuple[Codec, Codec]:
    """A tuple of flat dataclasses (a section's rules) kept as one tuple per field: each column is
    checked at once and the objects are made by ``map`` (half the time of one row at a time)."""
    names, types_ = _flat_fields(cls)
    row = operator.attrgetter(*names)
    expected = tuple(_FLAT[t] for t in types_)
    str_tuples = [i for i, t in enumerate(types_) if t == tuple[str, ...]]

    def encode(v: tuple) -> tuple:
        return tuple(zip(*map(row, v), strict=True)) if v else ()

    def decode(v: object) -> tuple:
        if v == ():
            return ()
        if type(v) is not tuple or len(v) != len(expected) or set(map(type, v)) != {tuple}:
            raise Malformed(f"expected {cls.__name__} columns")
        if len(set(map(len, v))) != 1:
            raise Malformed(f"{cls.__name__} columns of unequal lengths")
        for column, tp in zip(v, expected, strict=True):
            if set(map(type, column)) != {tp}:
                raise Malformed(f"expected a column of {tp.__name__}")
        for i in str_tuples:
            if any(set(map(type, t)) - _STR for t in v[i] if t):
                raise Malformed("expected tuples of str")
        return tuple(map(cls, *v))

    return encode, decode


def _dataclass(cls: type) -> tuple[Codec, Codec]:
    names, types_ = _fields(cls)
    row = operator.attrgetter(*names) if len(names) > 1 else lambda v: (getattr(v, names[0]),)
    encoders, decoders = zip(*map(codec, types_), strict=True)
    n = len(names)

    def encode(v: object) -> tuple:
        return tuple(enc(x) for enc, x in zip(encoders, row(v), strict=True))

    def decode(v: object) -> object:
        if type(v) is not tuple or len(v) != n:
            raise Malformed(f"expected {cls.__name__} as {n} values")
        return cls(*[dec(x) for dec, x in zip(decoders, v, strict=True)])

    return encode, decode


@functools.cache
def codec(tp: object) -> tuple[Codec, Codec]:
    """(encoder, decoder) of values of type ``tp``; TypeError for a type the cache cannot hold."""
    if tp in _SIMPLE:
        return _SIMPLE[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        return _optional(codec(next(a for a in args if a is not type(None))))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_of(args[0])
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp)
    raise TypeError(f"the KB cache cannot hold {tp!r}")


def _model_fingerprint() -> tuple:
    """Every model class with its fields and their declared types: a cache made with others is not used."""
    classes = [getattr(model, n) for n in sorted(dir(model)) if dataclasses.is_dataclass(getattr(model, n))]
    return tuple((c.__name__, tuple((f.name, str(f.type)) for f in dataclasses.fields(c))) for c in classes)


# ----------------------------------------------------------------------------- the file


def save(index_dir: Path, kb_dir: Path, cache: LoadCache, hashes: dict[Path, str]) -> None:
    """Write the cache atomically; failures are logged, never raised (it is only a speed-up)."""
    tmp = index_dir / f".{CACHE_NAME}.{uuid.uuid4().hex}"
    try:
        entries = tuple(
            (str(path), sig, _KINDS.index(type(parsed)), codec(type(parsed))[0](parsed), hashes.get(path))
            for path, (sig, parsed) in cache.files.items()
        )
        payload = marshal.dumps((FORMAT_VERSION, _model_fingerprint(), str(kb_dir), entries), MARSHAL_VERSION)
        with tmp.open("wb") as f:
            f.write(MAGIC + zlib.crc32(payload).to_bytes(4, "big"))
            f.write(payload)
        replace_retrying(tmp, index_dir / CACHE_NAME)
    except Exception as exc:  # disk full, folder gone, a value the format cannot hold: go on without
        log.info("KB cache not written to %s: %s", index_dir, exc)
        tmp.unlink(missing_ok=True)
        return
    for old in OLD_NAMES:
        (index_dir / old).unlink(missing_ok=True)


def load(index_dir: Path, kb_dir: Path) -> tuple[LoadCache, dict[Path, str]] | None:
    """The cache written by :func:`save` for ``kb_dir``, or None when there is no usable one."""
    path = index_dir / CACHE_NAME
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if (unsafe := cache_dir.unsafe_reason(index_dir)) is not None:
        log.info("KB cache %s ignored: %s", path, unsafe)  # the index says it once, for both
        return None
    head, payload = raw[: len(MAGIC) + 4], memoryview(raw)[len(MAGIC) + 4 :]
    if head[: len(MAGIC)] != MAGIC or int.from_bytes(head[len(MAGIC) :], "big") != zlib.crc32(payload):
        log.info("KB cache %s ignored: damaged or of another version", path)
        return None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector would only rescan them
    try:
        return _decode(marshal.loads(payload), kb_dir)
    except Exception as exc:  # truncated, garbled, wrong shapes, another model
        log.info("KB cache %s ignored: %s", path, exc)
        return None
    finally:
        _paths.clear()
        if gc_was_enabled:
            gc.enable()


def _decode(data: object, kb_dir: Path) -> tuple[LoadCache, dict[Path, str]]:
    if type(data) is not tuple or len(data) != 4:
        raise Malformed("not a KB cache")
    version, fingerprint, folder, entries = data
    if version != FORMAT_VERSION or fingerprint != _model_fingerprint():
        raise Malformed(f"format {version!r} or model differs")
    if folder != str(kb_dir):
        raise Malformed(f"made for another folder {folder!r}")
    if type(entries) is not tuple:
        raise Malformed("expected a tuple of files")
    files: dict[Path, tuple[tuple[int, int, int], Parsed]] = {}
    hashes: dict[Path, str] = {}
    kinds = [codec(k)[1] for k in _KINDS]
    path_of, str_of = _SIMPLE[Path][1], _SIMPLE[str][1]
    for entry in entries:
        if type(entry) is not tuple or len(entry) != 5:
            raise Malformed("expected a file entry")
        name, sig, kind, value, digest = entry
        path = path_of(name)
        if type(kind) is not int or not 0 <= kind < len(kinds):
            raise Malformed(f"unknown kind {kind!r}")
        files[path] = (_signature(sig), kinds[kind](value))
        if digest is not None:
            hashes[path] = str_of(digest)
    return LoadCache(files=files), hashes


def _signature(v: object) -> tuple[int, int, int]:
    if type(v) is not tuple or len(v) != 3 or set(map(type, v)) != {int}:
        raise Malformed("expected a file signature")
    return v
