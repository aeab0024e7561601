"""Notebook jobs on this machine (the jobs service's local backend, campushub/jobs/backend.py).

backend.py: start, poll, cancel, adopt; wrapper.py: the detached root supervisor of one job;
person.py: what runs as the person (campushub/jobs/runner.py, papermill)."""

from .backend import LocalBackend

__all__ = ["LocalBackend"]
