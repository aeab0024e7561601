"""A readable process title: "jupyterhub-singleuser alice" in ps and top.

A forked server still carries the fork server's command line. setproctitle
is used when the environment has it; otherwise the title is written over
the original argv area (the kernel reads /proc/PID/cmdline from there, as
setproctitle does) and prctl(PR_SET_NAME) sets the 15-byte name top shows.
"""

from __future__ import annotations

import ctypes

PR_SET_NAME = 15
_libc = ctypes.CDLL(None, use_errno=True)


def _argv_area() -> tuple[int, int]:
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    # fields 48 and 49 of proc(5) (arg_start, arg_end); this list starts at field 3
    return int(fields[45]), int(fields[46])


def set_title(title: str) -> None:
    try:
        import setproctitle
    except ImportError:
        pass
    else:
        setproctitle.setproctitle(title)
        return
    data = title.encode(errors="replace")
    start, end = _argv_area()
    size = end - start
    if size > 2:
        # a non-NUL last byte tells the kernel to read the title up to its first NUL
        text = data[: size - 2]
        ctypes.memmove(start, text + b"\0" * (size - len(text) - 1) + b".", size)
    _libc.prctl(PR_SET_NAME, ctypes.c_char_p(data[:15]), 0, 0, 0)
