"""Rewrites the tutorials' figures (8-bit RGB PNGs from plotters) as palette
PNGs: the 256 most frequent colours, every other pixel mapped to the nearest
of them (the figures are line drawings; most hold fewer colours, and are then
unchanged). About a fifth of the bytes. numpy and zlib only:

    python docs/tutorials/shrink_png.py FILE.png ...
"""
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/3-simulations")
from brian_png_to_npy import read_png_rgb8  # noqa: E402


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def shrink(path):
    data = open(path, "rb").read()
    if data[25] != 2:  # colour type: already a palette
        return
    rgb = read_png_rgb8(path)
    h, w, _ = rgb.shape
    flat = rgb.reshape(-1, 3).astype(np.int64)
    keys = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    colours, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    if len(colours) > 256:
        top = colours[np.argsort(-counts)[:256]]
        pal = np.stack([(top >> 16) & 255, (top >> 8) & 255, top & 255], axis=1)
        idx = np.empty(len(colours), dtype=np.uint8)
        cs = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
        for k in range(0, len(colours), 4096):
            d = ((cs[k:k + 4096, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
            idx[k:k + 4096] = d.argmin(axis=1)
        index = idx[inverse]
    else:
        pal = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
        index = inverse.astype(np.uint8)
    rows = index.reshape(h, w)
    raw = b"".join(b"\x00" + r.tobytes() for r in rows)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", pal.astype(np.uint8).tobytes()) + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    open(path, "wb").write(png)


for p in sys.argv[1:]:
    shrink(p)
