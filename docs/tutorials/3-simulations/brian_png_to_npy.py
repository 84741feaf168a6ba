"""Converts Brian2's tutorials/brian.png (228 x 68, 8-bit RGB) into brian.npy:
the array the notebook's last cell computes,
`(1 - imread('brian.png'))[::-1, :, 0].T`, shape (228, 68), float64 in [0, 1]:
one row per millisecond, one column per neuron. matplotlib's `imread` gives
8-bit values / 255; this decodes the PNG with zlib alone (no matplotlib).

    python brian_png_to_npy.py brian.png brian.npy
"""
import struct
import sys
import zlib

import numpy as np


def read_png_rgb8(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, color, interlace) == (8, 2, 0), "expected 8-bit RGB, not interlaced"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    bpp, stride = 3, width * 3
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)], dtype=np.uint8).astype(np.int64)
        cur = np.zeros(stride, dtype=np.int64)
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + p) & 0xFF
        out[y] = cur
        prev = cur
    return out.reshape(height, width, 3)


if __name__ == "__main__":
    rgb = read_png_rgb8(sys.argv[1]).astype(np.float32) / 255.0  # as matplotlib's imread
    img = (1 - rgb)[::-1, :, 0].T
    np.save(sys.argv[2], img.astype(np.float64))
    print(sys.argv[2], img.shape)
