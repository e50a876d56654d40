"""An article page rendered for the view, off the GUI thread when it is big, with the images it may show.

An image is shown only when its Markdown address is a relative path to a regular file inside the
knowledge-base folder, of an image type, no bigger than MAX_IMAGE_BYTES; the file is stat'ed before
it is opened (a FIFO or a device is never opened), opened non-blocking, read up to the cap and decoded
here, never on the GUI thread. Anything else (network addresses included: nothing is fetched) is a
grey «[изображение недоступно: имя — почему]» in its place.
"""

from __future__ import annotations

import html
import logging
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QImage, QImageReader

from kb.article_pages import ArticlePlan, plan_pages, render_page
from kb.model import Article, Glossary
from kb.render import MAX_PIECE_CHARS, Spans, image_placeholder

log = logging.getLogger(__name__)

IMAGE_SCHEME = "kb-image"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PAGE_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PAGE_IMAGES = 30
MAX_IMAGE_PIXELS = 40_000_000  # decoded (~160 MB); Qt's own allocation limit is 256 MB
MAX_IMAGE_WIDTH = 900  # wider images are scaled down as they are decoded
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{name}{n}" for name in ("com", "lpt") for n in "123456789¹²³"]
)
SYNC_CHARS = 40_000  # a page this small is rendered on the GUI thread (~20 ms): no flicker
SYNC_PIECES = 150

OUTSIDE = "вне папки базы знаний"
NETWORK = "из сети не загружается"
NOT_FILE = "не обычный файл"
NOT_FOUND = "файл не найден"
NOT_IMAGE = "не изображение"
UNREADABLE = "не удалось прочитать"
TOO_MANY = "слишком много изображений на странице"
TOO_BIG = f"файл больше {MAX_IMAGE_BYTES // (1024 * 1024)} МБ"
TOO_LARGE = "слишком большое изображение"

# non-blocking: were the file swapped for a FIFO after the stat, opening it would not wait for a writer
OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class _Request:
    key: str
    src: str
    path: Path


@dataclass
class PageImages:
    """The kb.render.ImageSrc for one page: an image the address of which may be shown gets a
    ``kb-image:`` key in the HTML, one that may not a placeholder at once; ``load`` reads the files."""

    root: Path | None  # the KB folder: no image is read from outside it
    base: Path | None  # the article's folder: addresses are relative to it
    tag: str  # makes this page's keys unlike any other's
    requests: list[_Request] = field(default_factory=list)

    def __call__(self, src: str, alt: str) -> str:
        reason = self.refusal(src)
        if reason:
            return image_placeholder(src, reason)
        key = f"{IMAGE_SCHEME}:{self.tag}/{len(self.requests)}"
        self.requests.append(_Request(key, src, self.base / unquote(src)))
        return f'<br/><img src="{key}" alt="{html.escape(alt)}" />'  # below the text, not in its line

    def refusal(self, src: str) -> str:
        """Why an address is not even looked at ("" when its file may be read)."""
        if self.root is None or self.base is None:
            return OUTSIDE
        if _SCHEME_RE.match(src):
            return NETWORK if src.lower().startswith(("http:", "https:", "ftp:", "//")) else OUTSIDE
        if src.startswith(("/", "\\")) or not src.strip():
            return OUTSIDE
        path = unquote(src).split("?", 1)[0].split("#", 1)[0]
        if not path.lower().endswith(IMAGE_SUFFIXES):
            return NOT_IMAGE
        if any(part.split(".", 1)[0].strip().lower() in WINDOWS_DEVICES for part in re.split(r"[/\\]", path)):
            return NOT_FILE  # CON, NUL, COM1.png …: devices in every folder on Windows
        return ""

    def load(self, body: str) -> tuple[str, dict[str, QImage]]:
        """Read and decode the requested images; the HTML with a placeholder for each that failed."""
        images: dict[str, QImage] = {}
        budget = MAX_PAGE_IMAGE_BYTES
        for n, request in enumerate(self.requests):
            image, reason = (None, TOO_MANY) if n >= MAX_PAGE_IMAGES else read_image(request.path, self.root)
            if image is not None and budget >= image.sizeInBytes():
                budget -= image.sizeInBytes()
                images[request.key] = image
                continue
            tag = re.compile(rf'(?:<br/>)?<img src="{re.escape(request.key)}"[^>]*>')  # inline again
            body = tag.sub(lambda _m, r=request, why=reason or TOO_MANY: image_placeholder(r.src, why), body)
        return body, images


def read_image(path: Path, root: Path) -> tuple[QImage | None, str]:
    """The decoded image at ``path`` if it is a regular image file inside ``root``, or why not."""
    data, reason = read_regular_file(path, root, MAX_IMAGE_BYTES)
    if data is None:
        return None, reason
    return decode_image(data)


def read_regular_file(path: Path, root: Path, limit: int) -> tuple[bytes | None, str]:
    """The bytes of a regular file inside ``root`` of at most ``limit`` bytes, or (None, why not).
    Never opens a FIFO, a device or anything outside ``root`` (symbolic links resolved first)."""
    try:
        real, top = os.path.realpath(path), os.path.realpath(root)
        if os.path.normcase(os.path.commonpath([real, top])) != os.path.normcase(top):  # C:\ vs c:\
            return None, OUTSIDE
        st = os.stat(real)
    except ValueError:  # another drive on Windows
        return None, OUTSIDE
    except OSError:
        return None, NOT_FOUND
    if not stat.S_ISREG(st.st_mode):
        return None, NOT_FILE
    if st.st_size > limit:
        return None, TOO_BIG
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(real, flags)
    except OSError:
        return None, UNREADABLE
    try:
        st = os.fstat(fd)  # the file opened is the file checked (not swapped for a FIFO meanwhile)
        if not stat.S_ISREG(st.st_mode):
            return None, NOT_FILE
        data = _read_at_most(fd, limit + 1)
    except OSError:
        return None, UNREADABLE
    finally:
        os.close(fd)
    return (None, TOO_BIG) if len(data) > limit else (data, "")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def decode_image(data: bytes) -> tuple[QImage | None, str]:
    """Decode image bytes (on any thread: QImage, not QPixmap), scaled down to MAX_IMAGE_WIDTH."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if size.isValid():
        if size.width() * size.height() > MAX_IMAGE_PIXELS:
            return None, TOO_LARGE
        if size.width() > MAX_IMAGE_WIDTH:
            reader.setScaledSize(
                QSize(MAX_IMAGE_WIDTH, max(1, size.height() * MAX_IMAGE_WIDTH // size.width()))
            )
    image = reader.read()
    if image.isNull():
        return None, UNREADABLE
    if image.width() > MAX_IMAGE_WIDTH:  # a format that cannot scale while it decodes
        image = image.scaledToWidth(MAX_IMAGE_WIDTH)
    return image, ""


# ----------------------------------------------------------------------------- one page


@dataclass(frozen=True)
class PageRequest:
    """What the view asks for: an article's page, the one holding ``anchor`` unless ``page`` is given."""

    article: Article
    glossary: Glossary | None
    highlight: Spans | None
    anchor: str | None
    page: int | None = None
    plan: ArticlePlan | None = None  # the article's plan when the view has it already
    kb_root: Path | None = None
    highlight_key: tuple = ()  # what ``highlight`` marks, comparable (the query's terms)
    generation: int = 0

    def key(self, page: int | None) -> tuple:
        """What a rendering of this request shows: equal keys, equal documents."""
        return (id(self.article), id(self.glossary), self.highlight_key, page)


@dataclass(frozen=True)
class RenderedPage:
    request: PageRequest
    plan: ArticlePlan
    page: int
    html: str
    images: PageImages
    loaded: dict[str, QImage] = field(default_factory=dict)


def render(request: PageRequest) -> RenderedPage:
    """The page's HTML (no file is read: images only get keys); pure, safe on any thread."""
    plan = request.plan if request.plan is not None else plan_pages(request.article)
    page = request.page if request.page is not None else plan.page_for(request.anchor)
    page = max(0, min(page, len(plan.pages) - 1))
    path = request.article.path
    base = path.parent if path is not None else None
    images = PageImages(request.kb_root or base, base, str(request.generation))
    body = render_page(plan, page, request.glossary, None, request.highlight, images)
    return RenderedPage(request, plan, page, body, images)


def load_files(page: RenderedPage) -> RenderedPage:
    """The page with its images read and decoded (file I/O: never call it on the GUI thread)."""
    if not page.images.requests:
        return page
    body, loaded = page.images.load(page.html)
    return replace(page, html=body, loaded=loaded)


def render_all(request: PageRequest) -> RenderedPage:
    return load_files(render(request))


def quick_plan(article: Article) -> ArticlePlan | None:
    """The article's plan when it is small enough to work out on the GUI thread (a few ms), else None."""
    parts = [article, *article.sections]
    if len(parts) > SYNC_PIECES:
        return None
    count = sum(len(p.blocks) + len(p.tables) for p in parts) + sum(len(s.rules) for s in article.sections)
    rows = sum(len(t.rows) for p in parts for t in p.tables)
    return plan_pages(article) if count <= SYNC_PIECES and rows <= SYNC_PIECES else None


def fits_gui_thread(plan: ArticlePlan, page: int) -> bool:
    """Whether a page is small enough to render on the GUI thread: an ordinary article (one page, as
    the bundled ones), not a full page of a big one (~40 ms of rendering, 160 ms on a loaded host)."""
    if len(plan.pages) > 1:
        return False
    shown = plan.pages[page]
    pieces = plan.pieces[shown.start : shown.end]
    if len(pieces) > SYNC_PIECES or any(p.size >= MAX_PIECE_CHARS for p in pieces):  # maybe cut
        return False
    return sum(p.size for p in pieces) <= SYNC_CHARS
