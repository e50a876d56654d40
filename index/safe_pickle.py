"""Pickles read back from the index folder may name only the globals our own index files contain.

Whoosh keeps its table of contents (the schema, the segment list), stored fields, column blocks,
posting blocks and its writers' spill files as pickles, and ``pickle`` runs whatever callable a
file names. A file planted in the cache folder or in a published index (``index/published.py``:
on Windows nobody can check who wrote the share) would run code on every seat that opens it. Here
every one of those reads goes through :class:`SafeUnpickler`, whose ``find_class`` resolves only
the (module, name) pairs of :data:`ALLOWED`: anything else raises ``pickle.UnpicklingError``, an
ordinary read error (``index/store.py``), so the index is rebuilt or searched in memory.

:func:`install` puts :func:`loads` / :func:`load` in Whoosh's place; importing ``index``
(``index/__init__.py``) calls it, so writer processes started afresh (spawn) get it too.
:func:`record_written` lists the globals of every pickle Whoosh and our code write, which is how
:data:`ALLOWED` was derived (and how ``tests/index/test_safe_pickle.py`` checks it still holds).
"""

from __future__ import annotations

import io
import pickle
import pickletools
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

# Every global in the pickles of an index of the bundled KB and of a generated KB of 20k rules
# (506 articles: parallel build, MpWriter job and run files), serial and parallel, found with
# ``record_written`` (GLOBAL / STACK_GLOBAL opcodes). Exact names only: no module's functions
# wholesale (``whoosh.util.loading.find_object`` alone would return any object to call).
# A schema change that needs a new name fails ``test_allow_list_covers_fresh_indexes``, naming it.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("_codecs", "encode"),  # bytes in a protocol-2 pickle
        ("builtins", "int"),
        ("collections", "defaultdict"),
        ("index.analysis", "RuStemFilter"),
        ("index.analysis", "RuTokenizer"),
        ("re", "_compile"),  # a tokenizer's pattern
        ("whoosh.analysis.analyzers", "CompositeAnalyzer"),
        ("whoosh.analysis.tokenizers", "IDTokenizer"),
        ("whoosh.analysis.tokenizers", "RegexTokenizer"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("whoosh.codec.whoosh3", "W3Segment"),
        ("whoosh.fields", "ID"),
        ("whoosh.fields", "KEYWORD"),
        ("whoosh.fields", "STORED"),
        ("whoosh.fields", "Schema"),
        ("whoosh.fields", "TEXT"),
        ("whoosh.formats", "Existence"),
        ("whoosh.formats", "Frequency"),
    }
)

_DUMPERS = (  # (module, attribute) of the functions that write the pickles of an index
    ("pickle", "dump"),
    ("pickle", "dumps"),
    ("whoosh.compat", "dump"),
    ("whoosh.compat", "dumps"),
    ("whoosh.codec.whoosh3", "dumps"),
    ("whoosh.columns", "dumps"),
    ("whoosh.formats", "dumps"),
    ("whoosh.filedb.structfile", "dump_pickle"),
    ("whoosh.externalsort", "dump"),
)


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of :data:`ALLOWED`."""

    def find_class(self, module: str, name: str):
        if "." in name or (module, name) not in ALLOWED:  # protocol 4 resolves "a.b" by getattr
            raise pickle.UnpicklingError(f"global not allowed in an index file: {module}.{name}")
        return super().find_class(module, name)


class _Input:
    """A file over bytes in memory with ``peek``: the C unpickler then reads ahead from one buffer
    instead of calling ``read`` for every opcode (which a ``BytesIO`` costs: 5× slower)."""

    __slots__ = ("data", "pos")

    def __init__(self, data: memoryview, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def peek(self, n: int = 1) -> memoryview:
        return self.data[self.pos : self.pos + max(n, 1)]

    def read(self, n: int = -1) -> memoryview:
        start = self.pos
        self.pos = len(self.data) if n is None or n < 0 else min(len(self.data), start + n)
        return self.data[start : self.pos]

    def readinto(self, buf) -> int:
        chunk = self.read(len(buf))
        buf[: len(chunk)] = chunk
        return len(chunk)

    def readline(self) -> memoryview:
        end = self.pos
        while end < len(self.data):
            chunk = self.data[end : end + 4096].tobytes()
            if (i := chunk.find(b"\n")) >= 0:
                return self.read(end + i + 1 - self.pos)
            end += len(chunk)
        return self.read()


def loads(data: bytes):
    """``pickle.loads`` that refuses every global outside :data:`ALLOWED`."""
    return _load(_Input(memoryview(data)))


def load(file):
    """``pickle.load`` that refuses every global outside :data:`ALLOWED`."""
    if type(file) is not io.BytesIO:
        return _load(file)
    source = _Input(file.getbuffer(), file.tell())
    try:
        return _load(source)
    finally:
        file.seek(source.pos)


def _load(file):
    """A pickle that fails any other way (garbage: TypeError, ValueError …) raises
    ``UnpicklingError`` too, so that it reads as a damaged file wherever it was called from;
    ``EOFError`` (the end of a run file) stays what it is."""
    try:
        return SafeUnpickler(file).load()
    except (EOFError, pickle.UnpicklingError):
        raise
    except Exception as exc:
        raise pickle.UnpicklingError(f"damaged pickle: {exc!r}") from exc


def _shim() -> types.ModuleType:
    """A stand-in for the ``pickle`` module in modules that call ``pickle.loads``/``pickle.load``."""
    shim = types.ModuleType("pickle")
    shim.__dict__.update(vars(pickle))
    shim.loads, shim.load, shim.Unpickler = loads, load, SafeUnpickler
    shim.dumps = lambda *args, **kwargs: pickle.dumps(*args, **kwargs)  # looked up when called
    shim.dump = lambda *args, **kwargs: pickle.dump(*args, **kwargs)
    return shim


def install() -> None:
    """Every pickle Whoosh reads from now on goes through :class:`SafeUnpickler`: ``loads`` and
    ``load`` in ``whoosh.compat`` (modules imported later take them from there) and in every Whoosh
    module already imported that holds its own reference (``whoosh.codec.whoosh3``,
    ``whoosh.columns``, ``whoosh.formats``: ``loads``; ``whoosh.filedb.structfile``: ``load_pickle``,
    behind every ``read_pickle``), and a stand-in ``pickle`` module where Whoosh calls
    ``pickle.loads`` / ``pickle.load`` (``whoosh.index`` and ``whoosh.filedb.fileindex``: the TOC's
    schema; ``whoosh.multiproc``: the job files of writer processes)."""
    from whoosh import columns, compat, externalsort, formats, index, legacy, multiproc  # noqa: F401
    from whoosh.codec import whoosh3  # noqa: F401
    from whoosh.filedb import fileindex, structfile  # noqa: F401

    shim = _shim()
    replacements = {id(pickle.loads): loads, id(pickle.load): load, id(pickle): shim}
    for name, module in list(sys.modules.items()):
        if name == "whoosh" or name.startswith("whoosh."):
            for attr, value in list(vars(module).items()):
                if id(value) in replacements:
                    setattr(module, attr, replacements[id(value)])
    legacy.toc_loaders.clear()  # the -110 TOC's own unpickler: never written by Whoosh 2.7


# ----------------------------------------------------------------------------- the allow-list


def globals_in(data: bytes) -> set[tuple[str, str]]:
    """The (module, name) pairs the pickles in ``data`` (one after another) would look up."""
    found: set[tuple[str, str]] = set()
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        found |= _globals_of_one(stream)
    return found


def _globals_of_one(stream: io.BytesIO) -> set[tuple[str, str]]:
    found, memo, strings = set(), {}, []  # strings: the values pushed, as far as a global needs
    for op, arg, _pos in pickletools.genops(stream):
        if op.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            found.add((module, name))
            strings.append(None)
        elif op.name == "STACK_GLOBAL":
            found.add((strings[-2], strings[-1]))
            strings.append(None)
        elif op.name == "MEMOIZE":
            memo[len(memo)] = strings[-1] if strings else None
        elif op.name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = strings[-1] if strings else None
        elif op.name in ("GET", "BINGET", "LONG_BINGET"):
            strings.append(memo.get(arg))
        elif op.stack_after:  # anything else that pushes a value: keep it if it is a string
            strings.append(arg if isinstance(arg, str) else None)
    return found


@contextmanager
def record_written() -> Iterator[set[tuple[str, str]]]:
    """While inside, every pickle written through Whoosh's and our dump functions adds its globals
    to the set yielded (in this process; a forked writer process records its own copy)."""
    seen: set[tuple[str, str]] = set()
    saved = []
    for module_name, attr in _DUMPERS:
        module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
        saved.append((module, attr, getattr(module, attr)))
    real_dumps = pickle.dumps

    def dumps(obj, protocol=None, *args, **kwargs):
        data = real_dumps(obj, protocol, *args, **kwargs)
        seen.update(globals_in(data))
        return data

    def dump(obj, file, protocol=None, *args, **kwargs):
        file.write(dumps(obj, protocol, *args, **kwargs))

    try:
        for module, attr, _ in saved:
            setattr(module, attr, dumps if attr.endswith("dumps") else dump)
        yield seen
    finally:
        for module, attr, original in saved:
            setattr(module, attr, original)
