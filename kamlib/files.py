"""Atomic file writes: a reader (or a crashed run) never sees half a file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def atomic_write(path: Path, data: bytes) -> Path:
    """Write *data* to *path* through a temporary file in the same folder + os.replace.

    A reader (or a crashed run) never sees half a file; permissions follow the umask
    like any other file (so a web server can serve the report).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "sub" / "a.bin"
    >>> atomic_write(target, b"abc").read_bytes()
    b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write *text* to *path* in *encoding*, atomically (see :func:`atomic_write`).

    Examples
    --------
    >>> import tempfile
    >>> atomic_write_text(Path(tempfile.mkdtemp()) / "a.txt", "华东").read_text(encoding="utf-8")
    '华东'
    """
    return atomic_write(path, text.encode(encoding))
