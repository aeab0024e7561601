"""Nothing a learner's server runs gains rights from setuid or setgid bits.

The attack: from a JupyterLab terminal, `crontab -e` (setgid crontab, and
cron comes with every Debian) left a job that cron ran as the learner
outside the server's cgroup and private /tmp, with no limits, long after the
server stopped. The same mechanism, shown with a setgid program the test
makes (this machine may have no cron): before the fix it ran with the
group it carries."""

from __future__ import annotations

import grp
import os
import pwd
import shutil

from .....harness import run_code
from .conftest import account, start, stop

GROUP = "shadow"  # any group the learner is not in


def test_setgid_programs_gain_nothing_in_a_server(hub):
    token = start(hub, "nia")
    home = pwd.getpwnam(account("nia")).pw_dir
    program = os.path.join(home, "sgid-id")
    shutil.copy("/usr/bin/id", program)  # root's, in the learner's home: they can run it, not change it
    gid = grp.getgrnam(GROUP).gr_gid
    os.chown(program, 0, gid)
    os.chmod(program, 0o2755)
    try:
        code = (f"import subprocess\nprint(subprocess.run([{program!r}, '-g'], capture_output=True, text=True)"
                ".stdout.strip())\nprint(open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])")
        out = run_code(hub, "nia", token, code)["stream"].split()
        assert out[1] == "1", out
        assert out[0] != str(gid), out  # before the fix: the program ran with the shadow group
        if shutil.which("crontab") is None:
            return  # no cron here to try the crontab escape itself; the setgid case above is the same mechanism
        job = "import subprocess\nr = subprocess.run(['crontab', '-'], input='* * * * * true\\n', " \
              "capture_output=True, text=True)\nprint(r.returncode)"
        assert run_code(hub, "nia", token, job)["stream"].strip() != "0"
    finally:
        os.unlink(program)
        stop(hub, "nia")
