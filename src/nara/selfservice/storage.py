"""Safe model storage: a JSON header and a NumPy ``.npz`` archive, no pickle.

Layout: the magic line, the header length (8 bytes, little-endian), the UTF-8 JSON
header, then the ``.npz`` bytes, which are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nara.selfservice.errors import ModelFormatError

MAGIC = b"NARA-SELFSERVICE-MODEL\n"
FORMAT = 1


def pack(header: dict[str, Any], arrays: dict[str, NDArray[Any]]) -> bytes:
    head = json.dumps({"format": FORMAT, **header}, ensure_ascii=False, sort_keys=True).encode()
    body = io.BytesIO()
    np.savez_compressed(body, allow_pickle=False, **arrays)
    return MAGIC + struct.pack("<Q", len(head)) + head + body.getvalue()


def unpack(data: bytes) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
    if (
        not isinstance(data, bytes | bytearray | memoryview)
        or not bytes(data[: len(MAGIC)]) == MAGIC
    ):
        raise ModelFormatError("not a Nära self-service model")
    data = bytes(data)
    start = len(MAGIC) + 8
    if len(data) < start:
        raise ModelFormatError("truncated model")
    (length,) = struct.unpack("<Q", data[len(MAGIC) : start])
    try:
        header = json.loads(data[start : start + length].decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"damaged model header: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFormatError("unsupported model format; train the model again")
    try:
        with np.load(io.BytesIO(data[start + length :]), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"damaged model arrays: {exc}") from exc
    return header, arrays
