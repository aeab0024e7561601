"""What the assignments extension inside a user server
(singleuser/assignments_server.py, which imports nothing of CampusHub) says,
in the person's language: every one of its English strings, translated
here at spawn and handed over in one environment variable, as the course
sync page gets its texts (hub/courses.py). The service's own replies come
translated by the service itself. Where the service answers is the service
registry's business (hub/services.py sets CAMPUSHUB_ASSIGNMENTS_URL)."""

from __future__ import annotations

import json

from ..i18n import N_, translate

TEXTS_ENV = "CAMPUSHUB_ASSIGNMENTS_TEXTS"

# Exactly the strings of assignments_server.py and assignments_folder.py
# (tests/singleuser/test_assignment_texts.py reads them from the source).
TEXTS = (
    N_("Submit assignment"),
    N_("Fetch assignment"),
    N_("Back to the assignment"),
    N_("Saving…"),
    N_("Submitting…"),
    N_("Only a notebook can be submitted."),
    N_("Copy assignment {assignment} of course {course} into your folder assignments/{course}/{assignment}?"),
    N_("Submit the notebooks of your folder assignments/{course}/{assignment}?"),
    N_("Fetched {count} new files into {folder}."),
    N_("Kept your own version of: {files}"),
    N_("Submitted: version {number} ({hash})."),
    N_("Not a valid course name: {name}"),
    N_("Not a valid assignment name: {name}"),
    N_("The assignments service sent an unsafe file name: {name}"),
    N_("{name} is not a folder (or is a link): rename it and try again."),
    N_("Fetch the assignment first: there is no folder {folder}."),
    N_("{path} is too large to submit ({size} MiB)."),
    N_("{path} is not a valid notebook: open it in JupyterLab and save it again."),
    N_("There is no notebook to submit in this assignment's folder."),
    N_("Not a file of an assignment: {path}"),
    N_("Only files inside {folder}/COURSE/ASSIGNMENT/ can be submitted."),
    N_("The assignments service could not be reached; try again in a minute."),
    N_("Assignments are not available on this server."),
    N_("The request was malformed."),
    N_("This did not work: {error}"),
)


def server_env(lang: str) -> dict[str, str]:
    """The server's environment variable with every text in `lang`."""
    texts = {"lang": lang, "texts": {text: translate(lang, text) for text in TEXTS}}
    return {TEXTS_ENV: json.dumps(texts, ensure_ascii=False)}
