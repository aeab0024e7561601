"""What JupyterLab's "Run as job…" (labextension/src/jobs.js) and its server
extension campushub_jobs (singleuser/jobs_server.py, which imports nothing of
CampusHub) say, in the person's language: translated here at spawn and handed
to the server in one environment variable, as the apps plugin gets its labels
(hub/apps/texts.py), with the jobs page's address for the plugin's link. The
service's own replies come translated by the service. Without the variable
(jobs off) the extension and the plugin add nothing."""

from __future__ import annotations

import json

from ..config.jobs import enabled
from ..i18n import N_, translate

TEXTS_ENV = "CAMPUSHUB_JOBS_TEXTS"

# Exactly the strings of jobs_server.py and jobs.js (tests/singleuser/test_jobs_texts.py reads them from the source).
TEXTS = (
    N_("Run as job…"),
    N_("Run this notebook as a job: executed with papermill on its own, with your parameters"),
    N_("Parameters"),
    N_("One per line: name=value"),
    N_("Sweep"),
    N_("One per line: name=value1,value2 (one job for each combination)"),
    N_("Profile"),
    N_("Your default resources"),
    N_("Run"),
    N_("Saving…"),
    N_("Submitting…"),
    N_("Submitted: {id}"),
    N_("Jobs submitted: {count} (sweep {sweep})"),
    N_("Open the jobs page"),
    N_("Only a saved notebook can run as a job."),
    N_("The jobs service could not be reached; try again in a minute."),
    N_("The request was malformed."),
    N_("Only a notebook inside your home folder can run as a job."),
)


def server_env(config: dict, lang: str) -> dict[str, str]:
    """The variable with every text in `lang` and the jobs page's path, only where the site runs jobs."""
    if not config or not enabled(config):
        return {}
    page = f"{config['hub']['base_url']}services/jobs/"
    texts = {text: translate(lang, text) for text in TEXTS}
    return {TEXTS_ENV: json.dumps({"lang": lang, "page": page, "texts": texts}, ensure_ascii=False)}
