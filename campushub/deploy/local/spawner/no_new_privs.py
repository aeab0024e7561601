"""No setuid, setgid or file-capability gains for anything a local server runs.

A learner's terminal could otherwise use the host's setuid and setgid
programs: `crontab` (setgid crontab; cron is installed with every Debian)
puts the learner's code under cron, outside the server's cgroup and private
/tmp, with no limits and outliving the server; `at`, `newgrp`, `su` and the
rest only widen what learner code can attempt. The kernel's no_new_privs
bit, set before dropping to the user and inherited by every descendant,
makes exec ignore those bits. It is what Kubernetes' allowPrivilegeEscalation:
false sets (KubeSpawner's default there).

libc is resolved at import: enable() runs in a preexec_fn, between fork and exec.
"""

from __future__ import annotations

import ctypes
import os

PR_SET_NO_NEW_PRIVS = 38
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def enable() -> None:
    if _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(errno)}")
