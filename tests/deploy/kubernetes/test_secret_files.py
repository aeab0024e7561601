"""An auth type registered from outside the package (hub/auth/registry.py)
brings its secrets to a release through its schema section alone: a secret
setting (`x-secret`) from the Secret, a secret file (`x-secret-files`)
mounted from the files Secret, with no edit of deploy/kubernetes."""

from __future__ import annotations

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes import secrets
from campushub.deploy.kubernetes.render import readme
from campushub.deploy.kubernetes.render.values import render
from campushub.hub.auth import register, unregister

KEYTAB = "/etc/campushub/secrets/realm.keytab"
PASSWORD = "standin-pw-4f1a0c"
SECTION = {
    "type": "object", "additionalProperties": False, "default": {},
    "description": "A stand-in directory with a keytab.",
    "x-required": ["realm", "password"],
    "x-secret": ["password"],
    "x-secret-files": {"keytab": "standin-keytab"},
    "properties": {
        "realm": {"type": ["string", "null"], "default": None, "description": "The realm."},
        "password": {"type": ["string", "null"], "default": None, "description": "Its password."},
        "keytab": {"type": ["string", "null"], "default": None, "description": "Its keytab file."},
    },
}


@pytest.fixture
def standin():
    register("standin", lambda c, config, deployment: None, schema=SECTION, admin_groups_trait=False)
    yield
    unregister("standin")


def test_a_registered_types_secret_and_file_reach_the_release(standin):
    config = validate({"auth": {"type": "standin", "standin": {"realm": "EX", "password": PASSWORD,
                                                               "keytab": KEYTAB}}})
    assert secrets.SecretFile(("auth", "standin", "keytab"), "standin-keytab") in secrets.secret_files()
    hub = render(config).values["hub"]
    assert hub["extraEnv"]["CAMPUSHUB_STANDIN_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "standin-password"
    assert {"key": "standin-keytab", "path": "standin-keytab"} in hub["extraVolumes"][0]["secret"]["items"]
    assert {"name": "campushub-files", "mountPath": KEYTAB, "subPath": "standin-keytab",
            "readOnly": True} in hub["extraVolumeMounts"]
    assert PASSWORD not in hub["extraFiles"]["campushub-yaml"]["stringData"]
    assert f"--from-file=standin-keytab={KEYTAB}" in readme.files_command(config)


def test_the_built_in_types_files_keep_their_keys():
    # the README's commands and existing releases' Secrets name these keys
    assert {(f.dotted, f.key) for f in secrets.secret_files()} == {
        ("auth.google.service_account_key_file", "google-service-account-key.json"),
        ("auth.site_token.http.api_key_file", "site-token-api-key"),
        ("auth.site_token.http.ca_file", "site-token-ca.pem"),
        ("auth.ldap.ca_file", "ldap-ca.pem"),
    }
