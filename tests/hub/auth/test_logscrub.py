"""The log filter alone (no hub): a site's own token parameter name is scrubbed
wherever an address is logged, JupyterHub's own names still are, and other
parameters are left readable."""

from __future__ import annotations

import logging

from campushub.hub import logscrub


def scrubbed(message: str, params=("sso",)) -> str:
    record = logging.LogRecord("tornado.general", logging.WARNING, __file__, 1, message, (), None)
    logscrub.ScrubQueryFilter(params).filter(record)
    return record.getMessage()


def test_the_configured_parameter_name_is_scrubbed():
    line = scrubbed("403 GET /hub/login?next=%2Fhub%2F&sso=s3cr3tTOKENvalue (127.0.0.1): refused")
    assert "s3cr3tTOKENvalue" not in line and "sso=[secret]" in line and "next=%2Fhub%2F" in line


def test_jupyterhubs_own_names_stay_scrubbed_and_lookalikes_do_not_leak_others():
    assert "abc123" not in scrubbed("302 GET /hub/login?token=abc123 (@127.0.0.1)")
    # only the exact name: "ssonext" is another parameter
    assert "ssonext=keep" in scrubbed("302 GET /hub/x?ssonext=keep&sso=zzz (@127.0.0.1)")


def test_install_applies_to_the_access_log_and_updates_the_name():
    before = {name: list(logging.getLogger(name).filters) for name in logscrub.LOGGERS}
    try:
        logscrub.install(["first"])
        logscrub.install(["sso"])  # the config changed: one filter, the new name
        access = logging.getLogger("tornado.access")
        mine = [f for f in access.filters if isinstance(f, logscrub.ScrubQueryFilter)]
        assert len(mine) == 1
        record = logging.LogRecord("tornado.access", logging.INFO, __file__, 1, "302 GET /hub/login?sso=tok9 ()",
                                   (), None)
        mine[0].filter(record)
        assert "tok9" not in record.getMessage()
    finally:  # this process's loggers as they were
        for name, filters in before.items():
            logging.getLogger(name).filters[:] = filters
