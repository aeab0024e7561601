"""LDAP over StartTLS against a real slapd holding a self-signed certificate:
the hub must not send passwords to a directory whose certificate it cannot
verify (probe finding: ldap3 was told not to validate, so anyone in between
could read them)."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest
from tornado import web
from traitlets.config import Config

from campushub.config import validate
from campushub.hub.auth import ldap
from tests.ldap_server import SLAPD, LDAPServer
from tests.tls import make_cert

pytestmark = pytest.mark.skipif(
    not os.path.exists(SLAPD), reason="needs OpenLDAP's slapd: apt-get install slapd ldap-utils (scripts/test.sh does)"
)

PASSWORD = "tls-Secret-pw-2026"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("ldap-cert"), ["ldap.campus.test"])


@pytest.fixture(scope="module")
def directory(tmp_path_factory, cert):
    d = LDAPServer.start(tmp_path_factory.mktemp("ldap-tls"), tls=cert)
    try:
        d.add_user("tina", PASSWORD)
        d.add_group("ml101", ["tina"])
        yield d
    finally:
        d.stop()


def authenticator(d: LDAPServer, **extra) -> ldap.CampusHubLDAPAuthenticator:
    section = {"server_address": "127.0.0.1", "server_port": d.port, "tls": "before_bind",
               "bind_dn_template": [f"uid={{username}},{d.people}"], "group_search_base": d.groups, **extra}
    c = Config()
    ldap.configure(c, validate({"auth": {"type": "ldap", "ldap": section}}))
    return ldap.CampusHubLDAPAuthenticator(config=c)


def login(a, password: str = PASSWORD):
    return asyncio.run(a.get_authenticated_user(None, {"username": "tina", "password": password}))


def test_an_unverifiable_certificate_is_refused_by_default(directory):
    a = authenticator(directory)
    with pytest.raises(web.HTTPError) as e:
        login(a)
    assert e.value.status_code == 503 and "cannot verify its certificate" in e.value.log_message
    assert PASSWORD not in e.value.log_message


def test_the_sites_ca_file_makes_it_work(directory, cert):
    a = authenticator(directory, ca_file=str(cert[0]))
    model = login(a)
    assert model["name"] == "tina" and model["groups"] == ["ml101"]
    assert login(a, "wrong-password") is None


def test_another_ca_is_not_enough(directory, tmp_path):
    other, _ = make_cert(tmp_path / "other", ["ldap.campus.test"])
    with pytest.raises(web.HTTPError):
        login(authenticator(directory, ca_file=str(other)))


def test_skipping_verification_is_explicit_and_loud(directory, caplog):
    with caplog.at_level(logging.WARNING):
        a = authenticator(directory, tls_insecure_skip_verify=True)
    assert "NOT checked" in caplog.text
    assert login(a)["name"] == "tina"


def test_configure_identity_is_the_one_mapping_for_both_deployments(tmp_path):
    import ssl

    from campushub.hub.auth import configure_identity

    site = validate({"auth": {"type": "ldap", "ldap": {
        "server_address": "ldap.example.org", "bind_dn_template": ["uid={username},ou=people,dc=x"],
        "ca_file": str(tmp_path / "ca.pem")}}, "roles": {"admin_groups": ["staff"]}})
    c = Config()
    configure_identity(c, site)  # what `campushub up` and a Z2JH extraConfig both call
    a = ldap.CampusHubLDAPAuthenticator(config=c)
    assert a.admin_groups == {"staff"} and not a.tls_insecure_skip_verify
    assert a.tls_kwargs == {"validate": ssl.CERT_REQUIRED, "ca_certs_file": str(tmp_path / "ca.pem")}


@pytest.mark.parametrize("bad", ["missing.pem", "garbage.pem", "a-directory"])
def test_an_unusable_ca_file_is_a_503_not_a_traceback(directory, tmp_path, bad):
    # ldap3 checks the file when the connection is set up (LDAPSSLConfigurationError
    # for a missing one): a login must get the page saying sign-in is unavailable.
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    (tmp_path / "a-directory").mkdir()
    with pytest.raises(web.HTTPError) as e:
        login(authenticator(directory, ca_file=str(tmp_path / bad)))
    assert e.value.status_code == 503 and "cannot verify its certificate" in e.value.log_message
