"""Errors of the single-machine installer that the CLI shows to the admin."""


class InstallError(RuntimeError):
    """An install step failed; the message says which one and where its log is."""
