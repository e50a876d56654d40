"""Draw the application icon with QPainter and save PNGs next to this script.

Run: QT_QPA_PLATFORM=offscreen python resources/icons/make_icons.py
The same drawing is kept by hand as kb-browser.svg (a 256×256 canvas).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen

SIZES = (16, 24, 32, 48, 64, 128, 256)
HERE = Path(__file__).resolve().parent


def draw(p: QPainter) -> None:
    """Draw on a 256×256 canvas: a blue tile, a page with rule lines, a yellow magnifier."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    grad = QLinearGradient(0, 0, 0, 256)
    grad.setColorAt(0, QColor("#2b7fc9"))
    grad.setColorAt(1, QColor("#17508a"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(grad)
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48)
    # the page
    page = QPainterPath()
    page.addRoundedRect(QRectF(56, 40, 128, 168), 12, 12)
    p.setBrush(QColor("#ffffff"))
    p.drawPath(page)
    p.setBrush(QColor("#1f6fb2"))
    for i, width in enumerate((88, 72, 88, 56)):
        p.drawRoundedRect(QRectF(76, 68 + i * 26, width, 12), 6, 6)
    # the magnifier
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor("#ffd54f"), 22, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(188, 188), QPointF(222, 222))
    p.setPen(QPen(QColor("#ffd54f"), 16))
    p.setBrush(QColor(255, 255, 255, 110))
    p.drawEllipse(QPointF(160, 160), 40, 40)


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.scale(size / 256, size / 256)
    draw(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in SIZES:
        render(size).save(str(HERE / f"kb-browser-{size}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
