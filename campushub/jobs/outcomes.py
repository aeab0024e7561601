"""The lines the platform writes as a job's error (the backends' supervisors and starts), marked for
the catalog. They are stored in English, one line, as every error is (the operators' CLI and the logs
read them as they are), and shown in the reader's language by matching the stored line against these
sources, whose {placeholders} give back the values (i18n.translate_message, as the hub's own pages do
for messages built elsewhere). A line that matches none (a notebook's own exception) is shown as is."""

from __future__ import annotations

from ..i18n import N_, translate_message
from . import scheduler

OVER_MEMORY = N_("The job used more memory than its limit and was stopped.")
OVER_TIME = N_("The job ran longer than the site's limit of {minutes} minutes and was stopped.")
OVER_SITE_TIME = N_("The job ran longer than the site's limit (jobs.max_runtime_minutes) and was stopped.")
NO_RESULT_STATUS = N_("The job runner stopped without a result (exit status {status}).")
NO_RESULT_SIGNAL = N_("The job runner stopped without a result (killed by signal {signal}).")
NO_RESULT_WHY = N_("The job runner stopped without a result: {why}")
NOT_RUN = N_("The job runner stopped without a result: it did not start.")
SUPERVISOR_GONE = N_("The job's supervisor ended without recording a result (was the machine restarted?).")
RECORD_UNREADABLE = N_("The job's record could not be read.")
CANCELLED = N_("cancelled")
NOT_STARTED_WHY = N_("The job could not be started: {why}")
NO_GPUS = N_("Jobs with GPUs run on Kubernetes only: choose a profile without GPUs.")
NO_ACCOUNT = N_("{owner} has no account on this machine yet: start a server once, then run the job again.")
ROOT_ACCOUNT = N_("The account of {owner} would be root's: jobs never run as root.")
OTHERS_ACCOUNT = N_("The unix account {name} belongs to another hub user.")
NO_ENVIRONMENT = N_("The environment {environment} is not built on this machine: "
                    "ask an administrator to run campushub env build.")
POD_GONE = N_("The job's Kubernetes Job is gone (deleted by someone, or removed a day after it ended).")
POD_STUCK = N_("The job's pod cannot start: {reason}")

# most specific first: translate_message takes the first source that matches the whole line
KNOWN = (OVER_MEMORY, OVER_TIME, OVER_SITE_TIME, NO_RESULT_STATUS, NO_RESULT_SIGNAL, NOT_RUN, NO_RESULT_WHY,
         SUPERVISOR_GONE, RECORD_UNREADABLE, CANCELLED, NO_GPUS, NO_ACCOUNT, ROOT_ACCOUNT, OTHERS_ACCOUNT,
         NO_ENVIRONMENT, POD_GONE, POD_STUCK, NOT_STARTED_WHY,
         scheduler.LOST, scheduler.NOT_STARTED, scheduler.UNRECORDED, scheduler.NO_OWNER)


def shown(lang: str, error: str | None) -> str | None:
    """A stored error in `lang`."""
    return translate_message(lang, error, KNOWN) if error else error
