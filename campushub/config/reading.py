"""Read the configuration file without trusting what sits at its path.

A FIFO, a device (/dev/zero) or a directory would block or never end a
plain read_text(); a huge file would be read whole into memory before YAML
even starts. So: open without blocking, look at what was opened, and read at
most MAX_FILE_BYTES + 1 bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1024**2  # a real campushub.yaml is a few KiB

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def read_text(path: Path, error) -> str:
    """The file's text; `error(message)` (which raises) for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        error("file not found; pass an existing file to --config")
    except OSError as e:
        error(f"cannot open: {e.strerror}")
    except ValueError:  # a NUL in the path
        error("not a usable file name; pass the path of a YAML file to --config")
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            error(f"is {kind}; pass a regular YAML file to --config")
        data = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError as e:  # EIO from /proc/self/mem, EAGAIN, a failing disk
        error(f"cannot read: {e.strerror}")
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        error(f"is larger than {MAX_FILE_BYTES // 1024} KiB; a site configuration is a few KiB of YAML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        error(f"is not UTF-8 text (byte {e.start}); save it as UTF-8")
    raise AssertionError("unreachable")
