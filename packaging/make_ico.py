"""Write packaging/kb-browser.ico from resources/icons/kb-browser-*.png (stdlib only).

An ICO file is a 6-byte header, one 16-byte entry per image, then the images; since Windows
Vista an image may be a whole PNG file, so the PNGs go in unchanged.

Run: python packaging/make_ico.py   (rewrites the .ico; commit it)
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
ICO = Path(__file__).resolve().parent / "kb-browser.ico"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def ico_bytes(pngs: list[bytes]) -> bytes:
    """An ICO container holding ``pngs`` (each at most 256×256), in the given order."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for data in pngs:
        width, height = png_size(data)
        if not (0 < width <= 256 and 0 < height <= 256):
            raise ValueError(f"an icon image must be 1–256 px, not {width}×{height}")
        # width/height 0 means 256; no palette; 1 plane; 32 bits per pixel
        entries += struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def read_ico(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, PNG bytes) of every image in an ICO container of PNGs."""
    _, kind, n = struct.unpack("<HHH", data[:6])
    if kind != 1:
        raise ValueError("not an icon file")
    images = []
    for i in range(n):
        w, h, _, _, _, _, size, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i : 22 + 16 * i])
        images.append((w or 256, h or 256, data[offset : offset + size]))
    return images


def source_pngs(folder: Path = ICONS) -> list[bytes]:
    return [(folder / f"kb-browser-{size}.png").read_bytes() for size in SIZES]


def main() -> int:
    ICO.write_bytes(ico_bytes(source_pngs()))
    print(f"{ICO.relative_to(ROOT)}: {len(SIZES)} images, {ICO.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
