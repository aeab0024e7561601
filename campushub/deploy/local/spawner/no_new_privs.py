"""No setuid, setgid or file-capability gains for anything a local server runs.

A learner's terminal could otherwise use the host's setuid and setgid
programs: `crontab` (setgid crontab; cron is installed with every Debian)
puts the learner's code under cron, outside the server's cgroup and private
/tmp, with no limits and outliving the server; `at`, `newgrp`, `su` and the
rest only widen what learner code can attempt. The kernel's no_new_privs
bit, set before dropping to the user and inherited by every descendant,
makes exec ignore those bits. It is what Kubernetes' allowPrivilegeEscalation:
false sets (KubeSpawner's default there).

The bit is set by forkserver/privileges.py, shared with the fork server's
children.
"""

from __future__ import annotations

from ..forkserver.privileges import no_new_privs as enable  # noqa: F401
