"""No local file or device is read by the article view (issue 14 §2).

Every hostile address points at a FIFO we watch: opening a FIFO for reading blocks until a writer
comes (it hung the window for good before), and a watchdog thread sees any reader at once (a
non-blocking open for writing succeeds only when one exists), records it and unblocks it. So each
test fails, instead of hanging, if anything (our code or Qt's own resource loading) opens the file.
"""

from __future__ import annotations

import os
import stat
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from desktop_app import article_render
from desktop_app.article_render import NOT_FILE, read_regular_file

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")

HEAD = "---\nid: pics\ntitle: Статья с картинками\nline: СС\n---\n\n## Раздел {#s}\n\n"
SHOWN_TIMEOUT_MS = 20_000


class FifoWatch:
    """FIFOs nobody may open; ``opened`` lists those somebody did."""

    def __init__(self, *paths: Path) -> None:
        self.paths = paths
        self.opened: list[Path] = []
        self._stop = threading.Event()
        for path in paths:
            os.mkfifo(path)
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for path in self.paths:
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # ENXIO: no reader, as it should be
                    continue
                self.opened.append(path)
                os.write(fd, b"x" * 64)
                os.close(fd)  # the reader gets its bytes and EOF: unblocked
            time.sleep(0.005)

    def __enter__(self) -> FifoWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def _png(path: Path, width: int = 40, height: int = 20) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    assert image.save(str(path), "PNG")
    return path


def _open_article(qtbot, window, rule: str = "pics/s/1"):
    window.open_anchor(rule)
    view = window.article_view
    qtbot.waitUntil(lambda: view.shows_article() and rule in view._anchors, timeout=SHOWN_TIMEOUT_MS)
    return view


def _write(kb_dir: Path, rules: list[str]) -> None:
    body = "".join(f"{n}. {text}\n" for n, text in enumerate(rules, start=1))
    (kb_dir / "pics.md").write_text(HEAD + body, encoding="utf-8")


def test_images_pointing_at_fifos_and_devices_are_never_opened(qtbot, make_window, kb_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (kb_copy / "img").mkdir()
    inside_fifo, outside_fifo = kb_copy / "img" / "pipe.png", outside / "secret.png"
    (kb_copy / "img" / "to-outside.png").symlink_to(outside_fifo)
    (kb_copy / "img" / "to-zero.png").symlink_to("/dev/zero")
    rules = [
        "Схема: ![схема](img/pipe.png)",  # a FIFO inside the KB folder
        f"Абсолютный путь: ![a]({outside_fifo})",
        "Из папки наружу: ![b](../outside/secret.png)",
        "Ссылка наружу: ![c](img/to-outside.png)",
        "Устройства: ![z](/dev/zero) ![u](/dev/urandom) ![p](/etc/passwd) ![l](img/to-zero.png)",
        f"Адрес file: ![f](file://{outside_fifo})",
    ]
    with FifoWatch(inside_fifo, outside_fifo) as watch:
        _write(kb_copy, rules)
        window = make_window(kb_copy)
        started = time.perf_counter()
        view = _open_article(qtbot, window)
        qtbot.wait(200)  # painting, and any late resource loading Qt might do
        shown = view.toPlainText()
        elapsed = time.perf_counter() - started
    assert watch.opened == []
    assert elapsed < 10  # it hung for good before
    assert "[изображение недоступно: pipe.png — не обычный файл]" in shown
    assert shown.count("— вне папки базы знаний]") == 8  # absolute, ../, 2 symlinks out, 3 /dev/*, file:
    assert "[изображение недоступно: to-zero.png — вне папки базы знаний]" in shown
    assert "[изображение недоступно: passwd — вне папки базы знаний]" in shown
    assert view._images == {}


def test_qt_itself_is_never_left_to_read_a_path(qtbot, tmp_path, monkeypatch):
    """QTextBrowser, QTextEdit and a bare QTextDocument all open a local path given as <img src>,
    relative ones against the working folder (measured: each hangs on a FIFO); the view answers every
    resource itself, so HTML reaching it with a path (not through kb.render) reads nothing either."""
    from desktop_app.article_view import ArticleView

    fifo = tmp_path / "pipe.png"
    monkeypatch.chdir(tmp_path)
    view = ArticleView()
    qtbot.addWidget(view)
    view.show()
    with FifoWatch(fifo) as watch:
        view.setHtml(f'<p>x<img src="{fifo}"> <img src="pipe.png"> <img src="file://{fifo}"></p>')
        view.document().pageCount()
        qtbot.wait(100)
        resource = view.document().resource(QTextDocument.ResourceType.ImageResource, QUrl("pipe.png"))
    assert watch.opened == []
    assert isinstance(resource, QImage) and resource.width() == 1  # the transparent pixel, not a file


def test_a_picture_inside_the_kb_folder_is_shown_and_others_get_a_placeholder(qtbot, make_window, kb_copy):
    (kb_copy / "img").mkdir()
    _png(kb_copy / "img" / "схема.png")
    (kb_copy / "img" / "big.png").write_bytes(b"\x89PNG" + b"\0" * (article_render.MAX_IMAGE_BYTES + 1))
    (kb_copy / "img" / "broken.png").write_bytes(b"not an image at all")
    _write(
        kb_copy,
        [
            "Схема: ![схема](img/схема.png) и она же: ![ещё](img/%D1%81%D1%85%D0%B5%D0%BC%D0%B0.png)",
            "Большая: ![b](img/big.png), битая: ![x](img/broken.png), нет файла: ![n](img/none.png)",
            "Из сети: ![w](http://10.0.49.28/logo.png) ![s](https://example.org/a.png)",
            "Не картинка: ![t](glossary.md), устройство Windows: ![d](NUL.png) ![e](img/com1.png)",
        ],
    )
    window = make_window(kb_copy)
    view = _open_article(qtbot, window)
    qtbot.waitUntil(lambda: len(view._images) == 2, timeout=SHOWN_TIMEOUT_MS)
    for key, image in view._images.items():
        assert key.startswith("kb-image:") and (image.width(), image.height()) == (40, 20)
        resource = view.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(key))
        assert isinstance(resource, QImage) and resource.width() == 40
    shown = view.toPlainText()
    assert "[изображение недоступно: big.png — файл больше 5 МБ]" in shown
    assert "[изображение недоступно: broken.png — не удалось прочитать]" in shown
    assert "[изображение недоступно: none.png — файл не найден]" in shown
    assert "[изображение недоступно: logo.png — из сети не загружается]" in shown
    assert "[изображение недоступно: a.png — из сети не загружается]" in shown
    assert "[изображение недоступно: glossary.md — не изображение]" in shown
    assert "[изображение недоступно: NUL.png — не обычный файл]" in shown
    assert "[изображение недоступно: com1.png — не обычный файл]" in shown


def test_an_image_that_would_decode_to_gigabytes_is_refused(tmp_path):
    """A PNG header claiming 30,000 × 30,000 pixels (3.6 GB decoded) in a file of a few bytes."""
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(30_000, 30_000))
    image, reason = article_render.read_image(path, tmp_path)
    assert image is None and reason == article_render.TOO_LARGE


def test_a_device_is_never_opened_even_where_a_stat_says_so(tmp_path, monkeypatch):
    """A character device inside the KB folder (as root could mknod one): refused on its stat."""
    path = tmp_path / "zero.png"
    path.write_bytes(b"")
    real_stat = os.stat
    device = os.stat_result((stat.S_IFCHR | 0o666, 0, 0, 1, 0, 0, 0, 0, 0, 0))
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: device if Path(p) == path else real_stat(p, *a, **k))
    monkeypatch.setattr(os, "open", lambda *a, **k: pytest.fail("a device was opened"))
    assert read_regular_file(path, tmp_path, 1000) == (None, NOT_FILE)


def test_a_file_swapped_for_a_fifo_after_its_stat_is_not_read(tmp_path, monkeypatch):
    """Between the stat and the open the file becomes a FIFO: the open does not wait (non-blocking),
    and the open file's own fstat refuses it."""
    path = tmp_path / "swap.png"
    path.write_bytes(b"\x89PNG")
    real_stat = os.stat

    def stat_then_swap(p, *args, **kwargs):
        result = real_stat(p, *args, **kwargs)
        if Path(p) == path:
            path.unlink()
            os.mkfifo(path)
        return result

    monkeypatch.setattr(os, "stat", stat_then_swap)
    started = time.perf_counter()
    assert read_regular_file(path, tmp_path, 1000) == (None, NOT_FILE)
    assert time.perf_counter() - started < 5


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("C:\\Windows\\win.ini", article_render.OUTSIDE),  # a drive letter reads as a URL scheme
        ("C:/Users/agent/photo.png", article_render.OUTSIDE),
        ("\\\\server\\share\\logo.png", article_render.OUTSIDE),  # UNC
        ("//server/share/logo.png", article_render.OUTSIDE),
        ("file:///C:/logo.png", article_render.OUTSIDE),
        ("data:image/png;base64,iVBORw0KGgo=", article_render.OUTSIDE),
        ("https://example.org/logo.png", article_render.NETWORK),
        ("img\\CON.png", article_render.NOT_FILE),
        ("aux.jpg", article_render.NOT_FILE),
        ("LPT1.gif", article_render.NOT_FILE),
        ("notes.txt", article_render.NOT_IMAGE),
        ("img/%D1%81%D1%85%D0%B5%D0%BC%D0%B0.png", ""),
        ("../shared/img/logo.PNG", ""),  # allowed here; inside the folder or not is read_image's part
    ],
)
def test_addresses_refused_before_any_file_is_looked_at(tmp_path, src, reason):
    """Windows addresses too: drives, UNC shares and device names are refused by their text alone."""
    images = article_render.PageImages(tmp_path, tmp_path, "0")
    assert images.refusal(src) == reason
