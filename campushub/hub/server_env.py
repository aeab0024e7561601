"""What every user server is told at spawn, in both deployments: the texts
of CampusHub's own pages inside the server (singleuser/files.py,
memory_watch.py) in the person's language, and whether the Launcher offers
help with one's own environments, which a group policy may forbid. Each
deployment adds its own (locally the account, venv and sockets:
deploy/local/spawner/server_env.py)."""

from __future__ import annotations

from ..i18n import LAB_LOCALES, N_, translate

MEMORY_WARNING = N_("Warning: this server uses {used} MiB of its {limit} MiB memory limit. If it needs more, the kernel will be stopped and restarted, and its variables will be lost.")  # noqa: E501
OWN_ENVIRONMENTS = N_("Your own environments")

# The server's JupyterLab language: the singleuser config (singleuser/files.py)
# turns this into a *default* for JupyterLab's "locale" setting, so a
# language the person picks in JupyterLab still wins.
LAB_LOCALE_ENV = "CAMPUSHUB_LAB_LOCALE"


def add_shared(env: dict, lang: str, user_config_allowed: bool) -> dict:
    locale = LAB_LOCALES.get(lang)
    if locale:
        env[LAB_LOCALE_ENV] = locale
    else:
        env.pop(LAB_LOCALE_ENV, None)  # English: JupyterLab's own default
    # {used} and {limit} are filled in by the kernel's memory watch
    env["CAMPUSHUB_MEMORY_WARNING"] = translate(lang, MEMORY_WARNING)
    env["CAMPUSHUB_USER_ENVIRONMENTS"] = "1" if user_config_allowed else "0"
    env["CAMPUSHUB_OWN_ENVIRONMENTS_TITLE"] = translate(lang, OWN_ENVIRONMENTS)
    return env
