"""Attack surface: messages that repeat a secret. A configuration error
quoted the value it refused, so a hub.db_url with the wrong scheme, or an
LDAP search password or client secret of the wrong type, went in full into
the hub pod's log (apply_from_file validates the mounted file with the
Secret's values filled in) and onto the terminal of `config check`,
`k8s render` and first_admin. And first_admin died with a traceback on a
database URL SQLAlchemy cannot use. Now the value of a secret is never
shown, and first_admin says what is wrong in one line."""

from __future__ import annotations

import json

import pytest

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes import first_admin

from ...inprocess import run

PASSWORD = "Pw-Leak-71c2"


@pytest.mark.parametrize("config", [
    {"hub": {"db_url": f"mysql://hub:{PASSWORD}@db.example/hub"}},
    {"hub": {"db_url": f"postgres://hub@db.example/hub?password={PASSWORD}"}},
    {"auth": {"ldap": {"search_password": [PASSWORD]}}},
    {"auth": {"oidc": {"client_secret": {"value": PASSWORD}}}},
])
def test_a_refused_secret_is_named_but_never_shown(config):
    with pytest.raises(ConfigError) as e:
        validate(config)
    assert PASSWORD not in str(e.value) and "not shown" in str(e.value)


def test_an_ordinary_refused_value_is_still_quoted():
    with pytest.raises(ConfigError) as e:
        validate({"hub": {"port": "eighty"}})
    assert "'eighty'" in str(e.value)


@pytest.mark.parametrize("url", [f"postgresql+nodriver://hub:{PASSWORD}@db/hub",
                                 f"postgresql://hub:{PASSWORD}@db:notaport/hub",
                                 f"postgresql://hub@db:{PASSWORD}/hub"])
def test_first_admin_with_an_unusable_database_url_says_so_in_one_line(tmp_path, url):
    config = tmp_path / "campushub.yaml"
    config.write_text(json.dumps({"hub": {"admin_users": ["teacher"]}, "auth": {"type": "native"},
                                  "kubernetes": {}}))
    env = {"CAMPUSHUB_HUB_DB_URL": url, "PATH": "/usr/bin:/bin"}
    result = run(lambda argv: first_admin.main(argv, env), ["--config", str(config), "teacher"])
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "hub.db_url" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
