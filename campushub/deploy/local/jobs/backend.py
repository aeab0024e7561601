"""The local jobs backend: each job a detached root supervisor (wrapper.py) running the runner as
the person, in a cgroup of its own sized by the job's resources.

The handle is "PID:STARTTIME" of the supervisor (pids.py: a later process with the same pid is
never mistaken for it, nor signalled). The supervisor records the outcome in the data dir
(`jobs/runs/<id>.json`, root's), so poll() never reads a home, and a job that ended while the
service was down is found at its next start. Its handle is kept there too (`<id>.handle`), for a
service that stopped between starting a job and storing the handle.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

from ....config import jobs as section
from ....config import projects as projects_config
from ....i18n import N_
from ....jobs import backend as api
from ....jobs import model, outcomes
from ....projects.model import check_name
from .. import environments, pids
from ..layout import Layout
from ..projects import groups as project_groups
from ..spawner import cgroups, private_tmp
from ..spawner.fork_path import launch_ids
from ..spawner.unix_users import owner_mark, unix_name
from . import person as as_person
from . import wrapper

START_TIMEOUT = 60
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH")
NO_ACCOUNT = N_("You have no account on this machine yet: start your server once, then run the job again.")
# What is certain without the person's project gids (given at the start only): a notebook in a project
# folder may look unreadable now; the start, with them, tells.
PROBLEMS = {
    as_person.MISSING: N_("{path} is not in your home: check the path (it is relative to your home)."),
    as_person.NOT_A_FILE: N_("{path} is not a file: name a notebook."),
}


class LocalBackend(api.Backend):
    def __init__(self, config: dict, records: Path | None = None):
        super().__init__(config)
        self.records = records or Layout(Path(config["data_dir"])).service_dir("jobs") / "runs"

    # -- what the service calls ---------------------------------------------------------

    def start(self, job: model.Job, resources: api.Resources, person: api.Person) -> str:
        spec = self.spec(job, resources, person)
        try:
            # nothing of the service's environment (its hub token) lives on in the supervisor
            env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
            done = subprocess.run([sys.executable, "-m", "campushub.deploy.local.jobs.wrapper"],
                                  input=json.dumps(spec), capture_output=True, text=True, timeout=START_TIMEOUT,
                                  start_new_session=True, env=env, cwd="/")
        except (OSError, subprocess.SubprocessError) as e:
            raise api.BackendError(outcomes.NOT_STARTED_WHY.format(why=e)) from None
        handle = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
        if not handle or parse(handle[0]) is None:
            why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            raise api.BackendError(outcomes.NOT_STARTED_WHY.format(why=why))
        return handle[0]

    def poll(self, job: model.Job) -> model.Outcome | None:
        outcome = self._recorded(job.id)
        if outcome is not None:
            return outcome
        if running(self._handle(job)):
            return None
        # it may have recorded its outcome between the two looks
        return self._recorded(job.id) or model.Outcome(state=model.LOST, error=outcomes.SUPERVISOR_GONE)

    def cancel(self, job: model.Job) -> None:
        found = parse(self._handle(job) or "")
        if found is not None:
            pid, start = found
            if pids.signal_checked(pid, signal.SIGTERM, lambda: pids.start_time(pid) == start):
                return  # the supervisor ends the job and records it
        # no supervisor (killed on its own): end what it left running in the job's cgroup
        try:
            hierarchy = cgroups.detect()
        except cgroups.CgroupUnavailable:
            return
        name = wrapper.cgroup_name(job.id)
        wrapper.end_all(hierarchy, name)
        hierarchy.remove(name)

    def adopt(self, job: model.Job) -> bool:
        return (self.records / f"{job.id}.json").exists() or running(self._handle(job))

    def resources_problem(self, resources: api.Resources) -> model.Invalid | None:
        return model.Invalid(outcomes.NO_GPUS) if resources.gpus else None

    def notebook_problem(self, owner: str, notebook: str) -> model.Invalid | None:
        try:
            entry = self._account(owner)
        except api.BackendError:
            return model.Invalid(NO_ACCOUNT, status=409)
        # the account's own groups: what the submission can see of projects comes at the start
        uid, gid, groups = launch_ids(entry, ())
        found = as_person.look_up(self.config["user_env"]["python"], uid, gid, groups, entry.pw_dir, notebook)
        return model.Invalid(PROBLEMS[found], path=notebook) if found in PROBLEMS else None

    # -- the supervisor's spec ----------------------------------------------------------

    def spec(self, job: model.Job, resources: api.Resources, person: api.Person) -> dict:
        if not model.ID_RE.fullmatch(job.id):
            raise api.BackendError(f"{job.id!r} is not a job id")
        if resources.gpus:
            raise api.BackendError(outcomes.NO_GPUS)  # refused at submission (resources_problem): not queued
        entry = self._account(job.owner)
        uid, gid, groups = launch_ids(entry, self._project_gids(person.groups))
        limits = self.config["limits"]
        return {
            "id": job.id, "owner": job.owner, "account": entry.pw_name, "home": entry.pw_dir,
            "uid": uid, "gid": gid, "groups": groups, "notebook": job.notebook,
            "python": str(self._python(resources)), "records": str(self.records),
            "job": json.dumps({"id": job.id, "notebook": job.notebook, "parameters": job.parameters}),
            "limits": {"cpu": resources.cpu_limit, "memory": int(resources.mem_limit), "pids": limits["pids"],
                       "cpu_guarantee": resources.cpu_guarantee or None,
                       "memory_guarantee": int(resources.mem_guarantee or 0) or None},
            "allow_unlimited": bool(limits["allow_unlimited"]), "private_tmp": self._private_tmp(),
            "max_runtime_s": section.max_runtime_s(self.config),
        }

    def _account(self, owner: str) -> pwd.struct_passwd:
        name = unix_name(owner, self.config["spawner"]["user_prefix"])
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise api.BackendError(outcomes.NO_ACCOUNT.format(owner=owner)) from None
        # the spawner's own rules (unix_users.ensure_user): never root, never another hub user's account
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise api.BackendError(outcomes.ROOT_ACCOUNT.format(owner=owner))
        if entry.pw_gecos.startswith("campushub ") and entry.pw_gecos != owner_mark(owner):
            raise api.BackendError(outcomes.OTHERS_ACCOUNT.format(name=name))
        return entry

    def _project_gids(self, hub_groups) -> list[int]:
        """The gids of the person's projects: of their hub groups, those with a current project group
        on this site's root (only a project has one; projects/groups.py), as a server start gives them."""
        root = project_groups.site_root(projects_config.root(self.config))
        gids = []
        for name in hub_groups:
            try:
                check_name(name)
            except ValueError:
                continue
            gid = project_groups.current_gid(name, root)
            if gid is not None:
                gids.append(gid)
        return gids

    def _python(self, resources: api.Resources) -> Path:
        try:
            found = environments.resolve(environments.site_dir(self.config), resources.environment, resources.tag)
        except (LookupError, OSError):
            raise api.BackendError(outcomes.NO_ENVIRONMENT.format(
                environment=f"{resources.environment}:{resources.tag}")) from None
        return found.env_dir / "bin" / "python3"

    def _private_tmp(self) -> bool:
        try:
            private_tmp.check()
        except private_tmp.PrivateTmpUnavailable as e:
            if self.config["limits"]["allow_unlimited"]:
                return False
            raise api.BackendError(outcomes.NOT_STARTED_WHY.format(why=e)) from None
        return True

    # -- records ------------------------------------------------------------------------

    def _recorded(self, job_id: str) -> model.Outcome | None:
        try:
            return model.Outcome.from_json(json.loads((self.records / f"{job_id}.json").read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return model.Outcome(state=model.FAILED, error=outcomes.RECORD_UNREADABLE)

    def _handle(self, job: model.Job) -> str | None:
        if job.handle:
            return job.handle
        try:
            return (self.records / f"{job.id}.handle").read_text().strip()
        except OSError:
            return None


def parse(handle: str) -> tuple[int, int] | None:
    pid, _, start = handle.partition(":")
    return (int(pid), int(start)) if pid.isdigit() and start.isdigit() and int(pid) > 1 else None


def running(handle: str | None) -> bool:
    found = parse(handle or "")
    return found is not None and pids.start_time(found[0]) == found[1]
