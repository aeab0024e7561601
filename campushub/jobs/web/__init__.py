"""The jobs page: the signed-in person's notebook jobs, newest first, with
their state, parameters, sweep, duration, peak memory and failed cell, links
to the executed notebook and the log in their own server, and a cancel
button. Its handlers (pages.ROUTES) and templates are mounted by the jobs
service's app (campushub/jobs/service.py) beside its JSON API."""

from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
