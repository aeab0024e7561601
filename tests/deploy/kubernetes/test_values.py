"""The chart values `campushub k8s render` assembles: accepted by the Zero to
JupyterHub 4.4.0 chart's own schema once merged over its defaults (as helm
does), with every secret coming from a Secret and none written anywhere in
what is rendered. No cluster runs here: the chart's schema and
kubernetes-validate stand in for helm and the API server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from campushub.config import ConfigError, loads, validate
from campushub.deploy.kubernetes import secrets
from campushub.deploy.kubernetes.render import hub, images, readme, values
from campushub.deploy.kubernetes.render.values import Rendered, merge, render

from .chart import assert_chart_accepts, assert_valid_manifest
from .examples import example

EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*/campushub.yaml"))

# Known secret strings: none may appear in anything rendered.
DB_PASSWORD = "Db-pw-7c1e0f"
SITE_DB_PASSWORD = "Site-db-pw-91ab"
OIDC_SECRET = "oidc-secret-5d2c77"
GOOGLE_SECRET = "google-secret-0e4b19"
LDAP_PASSWORD = "ldap-pw-c3a8e2"
SECRET_STRINGS = (DB_PASSWORD, SITE_DB_PASSWORD, OIDC_SECRET, GOOGLE_SECRET, LDAP_PASSWORD)
DB_URL = f"postgresql://hub:{DB_PASSWORD}@db.example.org:5432/hub"
OIDC = {"authorize_url": "https://id.example.org/auth", "token_url": "https://id.example.org/token",
        "userdata_url": "https://id.example.org/userinfo", "client_id": "hub"}
LDAP = {"server_address": "ldap.example.org", "user_search_base": "ou=people,dc=example,dc=org",
        "search_user": "cn=hub,dc=example,dc=org", "ca_file": "/etc/campushub/secrets/ldap-ca.pem"}
# Every secret setting written inline, one config per auth type (a file that
# holds them is allowed locally when only root can read it).
WITH_SECRETS = {
    "site_token": {"type": "site_token", "site_token": {"database": {
        "url": f"postgresql://reader:{SITE_DB_PASSWORD}@site-db.example.org/site"}}},
    "oidc": {"type": "oidc", "oidc": {**OIDC, "client_secret": OIDC_SECRET}},
    "google": {"type": "google", "google": {"client_id": "g", "client_secret": GOOGLE_SECRET}},
    "ldap": {"type": "ldap", "ldap": {**LDAP, "search_password": LDAP_PASSWORD}},
}


def _with_secrets(kind: str) -> dict:
    return validate({"hub": {"db_url": DB_URL}, "auth": WITH_SECRETS[kind]})


CONFIGS = {**{f"example:{p.parent.name}": p for p in EXAMPLES},
           **{f"inline-secrets:{kind}": kind for kind in WITH_SECRETS}}


def _config(name: str) -> dict:
    source = CONFIGS[name]
    return example(source) if isinstance(source, Path) else _with_secrets(source)


def _everything(config: dict, rendered: Rendered) -> str:
    """All text a release of `config` is made of: values, objects, notes, README."""
    return "\n".join([yaml.safe_dump(rendered.values), yaml.safe_dump_all(rendered.manifests),
                      *rendered.notes, readme.text(config, ["manifests.yaml"], [], rendered.notes)])


def _env(rendered: Rendered) -> dict:
    return rendered.values["hub"]["extraEnv"]


def test_every_auth_type_and_policy_kind_has_an_example():
    configs = [example(p) for p in EXAMPLES]
    assert {c["auth"]["type"] for c in configs} >= {"native", "site_token", "oidc", "google", "ldap"}
    groups = [g for c in configs for g in c["policies"]["groups"].values()]
    assert any(g.get("gpus", {}).get("max") for g in groups), "no example gives a group GPUs"
    assert any(g.get("node_pools") for g in groups), "no example sends a group to a node pool"
    assert any(len(c["environments"]) > 1 for c in configs), "no example has several environments"


@pytest.mark.parametrize("name", CONFIGS)
def test_the_chart_accepts_the_values_and_the_objects_validate(name):
    rendered = render(_config(name))
    assert_chart_accepts(rendered.values)
    for manifest in rendered.manifests:
        assert_valid_manifest(manifest)


@pytest.mark.parametrize("name", CONFIGS)
def test_no_secret_is_written_and_each_comes_from_the_secret(name):
    config = _config(name)
    rendered = render(config)
    text = _everything(config, rendered)
    for secret in SECRET_STRINGS:
        assert secret not in text
    env, wanted = _env(rendered), secrets.split(config).wired
    assert secrets.HUB_DB in wanted
    for secret in wanted:
        assert env[secret.env] == {"valueFrom": {"secretKeyRef": {
            "name": config["kubernetes"]["secret_name"], "key": secret.key}}}
    # nothing reaches the hub as a literal value: only references
    assert all("value" not in spec for spec in env.values())


@pytest.mark.parametrize("kind", WITH_SECRETS)
def test_the_hub_reads_the_same_configuration_once_its_env_is_filled(kind):
    """The mounted file plus the Secret's values is what the admin wrote."""
    config = _with_secrets(kind)
    rendered = render(config)
    mounted = rendered.values["hub"]["extraFiles"]["campushub-yaml"]
    assert mounted["mountPath"] == hub.SITE_FILE
    on_disk = loads(mounted["stringData"])
    originals = {s.env: secrets.get(config, s.path) for s in secrets.table() if secrets.get(config, s.path)}
    assert set(originals) == {s.env for s in secrets.split(config).wired} == set(_env(rendered)) & set(originals)
    filled = secrets.fill_from_env(on_disk, originals)
    # the one other difference: the refs of the user images built from lock
    # files, which the hub pod does not have (images.py)
    assert json.loads(json.dumps(filled)) == json.loads(json.dumps(images.with_image_refs(config)))
    # and the admin is told where each moved secret goes
    for secret in secrets.split(config).moved:
        assert any(secret.dotted in note and secret.key in note for note in rendered.notes)


# Where each auth type's configure() puts its secret (hub/auth/<type>.py).
SECRET_TRAITS = {"oidc": ("CampusHubOIDCAuthenticator", "client_secret", OIDC_SECRET),
                 "google": ("CampusHubGoogleAuthenticator", "client_secret", GOOGLE_SECRET),
                 "ldap": ("CampusHubLDAPAuthenticator", "lookup_dn_search_password", LDAP_PASSWORD)}


@pytest.mark.parametrize("kind", WITH_SECRETS)
def test_the_release_hub_gets_its_secrets_from_the_env_the_values_give(kind, tmp_path):
    """What the hub pod runs: the chart's extraConfig on the mounted file, with
    the environment Kubernetes makes from the secretKeyRefs (no hub is started:
    the configuration is applied to a bare traitlets Config)."""
    from traitlets.config import Config

    config = _with_secrets(kind)
    h = render(config).values["hub"]
    site_file = tmp_path / "campushub.yaml"
    site_file.write_text(h["extraFiles"]["campushub-yaml"]["stringData"])
    by_key = {s.key: secrets.get(config, s.path) for s in secrets.table()}
    environ = {name: by_key[spec["valueFrom"]["secretKeyRef"]["key"]] for name, spec in h["extraEnv"].items()
               if not spec["valueFrom"]["secretKeyRef"].get("optional")}
    c = Config()
    code = h["extraConfig"]["10-campushub"].replace(f'"{hub.SITE_FILE}"', f'"{site_file}", environ')
    exec(code, {"c": c, "environ": environ})
    assert c.JupyterHub.db_url == DB_URL
    if kind in SECRET_TRAITS:
        section, trait, value = SECRET_TRAITS[kind]
        assert c[section][trait] == value


def test_a_service_added_to_the_registry_gets_its_token_from_the_secret():
    from campushub.hub import services

    services.register(services.Service("grader", ("campushub-operator",), token_env="CAMPUSHUB_GRADER_TOKEN"))
    try:
        config = validate({"kubernetes": {"secret_name": "site-secrets"}})
        env = _env(render(config))
        text = readme.text(config, [], [], [])
    finally:
        services.unregister("grader")
    assert env["CAMPUSHUB_GRADER_TOKEN"] == {"valueFrom": {"secretKeyRef": {
        "name": "site-secrets", "key": "grader-api-token", "optional": True}}}
    assert "`grader-api-token`" in text
    assert "CAMPUSHUB_GRADER_TOKEN" not in _env(render(config))


def test_the_extra_config_keeps_what_the_chart_configured_before_it(tmp_path):
    """The chart's jupyterhub_config.py sets its idle culler service and role
    (cull.enabled) and its hub.services before running hub.extraConfig: our
    services and roles are added to them, not put in their place."""
    from traitlets.config import Config

    config = _with_secrets("oidc")
    h = render(config).values["hub"]
    site_file = tmp_path / "campushub.yaml"
    site_file.write_text(h["extraFiles"]["campushub-yaml"]["stringData"])
    c = Config()
    culler = {"name": "jupyterhub-idle-culler", "command": ["python3", "-m", "jupyterhub_idle_culler"]}
    culler_role = {"name": "jupyterhub-idle-culler", "scopes": ["list:users"], "services": [culler["name"]]}
    c.JupyterHub.services = [culler]
    c.JupyterHub.load_roles = [culler_role]
    environ = {"CAMPUSHUB_HUB_DB_URL": DB_URL, "CAMPUSHUB_OIDC_CLIENT_SECRET": OIDC_SECRET,
               "CAMPUSHUB_API_TOKEN": "automation-token-for-test"}
    code = h["extraConfig"]["10-campushub"].replace(f'"{hub.SITE_FILE}"', f'"{site_file}", environ')
    exec(code, {"c": c, "environ": environ})
    assert culler in c.JupyterHub.services and culler_role in c.JupyterHub.load_roles
    assert {"campushub-automation"} <= {s["name"] for s in c.JupyterHub.services}


def test_the_extra_config_loads_the_mounted_file():
    rendered = render(validate({}))
    code = rendered.values["hub"]["extraConfig"]["10-campushub"]
    assert "from campushub.deploy.kubernetes.hub_config import apply_from_file" in code
    assert f'apply_from_file(c, "{hub.SITE_FILE}")' in code
    assert rendered.values["hub"]["db"]["type"] == "postgres"


def test_secret_files_are_mounted_at_the_configured_paths():
    config = validate({"auth": {"type": "ldap", "ldap": LDAP}, "kubernetes": {"files_secret_name": "corp-files"}})
    h = render(config).values["hub"]
    assert h["extraVolumes"] == [{"name": "campushub-files", "secret": {
        "secretName": "corp-files", "items": [{"key": "ldap-ca.pem", "path": "ldap-ca.pem"}], "defaultMode": 0o440}}]
    assert h["extraVolumeMounts"] == [{"name": "campushub-files", "mountPath": LDAP["ca_file"],
                                       "subPath": "ldap-ca.pem", "readOnly": True}]
    assert "--from-file=ldap-ca.pem=/etc/campushub/secrets/ldap-ca.pem" in readme.files_command(config)


def test_readme_commands_name_secret_keys_with_placeholders():
    config = _with_secrets("oidc")
    assert readme.secret_command(config) == (
        "kubectl --namespace campushub create secret generic campushub-secrets --from-env-file=secrets.env")
    assert readme.env_file_lines(config) == ["hub-db-url=postgresql://USER:PASSWORD@HOST:5432/DATABASE",
                                             "oidc-client-secret=CLIENT-SECRET"]
    assert readme.helm_command(config) == (
        "helm upgrade --install campushub jupyterhub --repo https://hub.jupyter.org/helm-chart/ "
        "--version 4.4.0 --namespace campushub --values values.yaml")


def test_readme_says_how_to_make_the_first_native_admin():
    native = validate({"hub": {"admin_users": ["teacher"]}, "kubernetes": {"namespace": "course"}})
    command = ("kubectl --namespace course exec deploy/hub -- "
               "python3 -m campushub.deploy.kubernetes.first_admin teacher")
    assert command in readme.text(native, [], [], [])
    assert "first_admin" not in readme.text(_with_secrets("oidc"), [], [], [])


def test_a_secret_only_some_settings_need_is_wired_only_then():
    with_user = validate({"auth": {"type": "ldap", "ldap": LDAP}, "kubernetes": {}})
    without = validate({"auth": {"type": "ldap", "ldap": {k: v for k, v in LDAP.items() if k != "search_user"}}})
    assert "CAMPUSHUB_LDAP_SEARCH_PASSWORD" in _env(render(with_user))
    assert "CAMPUSHUB_LDAP_SEARCH_PASSWORD" not in _env(render(without))


def test_a_course_in_a_local_folder_is_pointed_out_unless_pods_see_it():
    course = {"learners_group": "l", "tutors_group": "t", "repo": "file:///srv/course/ml101.git"}
    alone = validate({"courses": {"ml101": course}})
    assert any(n.startswith("courses.ml101.repo is a folder on this machine") for n in render(alone).notes)
    shared = validate({"courses": {"ml101": course}, "kubernetes": {"shared_volumes": {
        "course": {"mount_path": "/srv/course", "storage_class": "efs-sc"}}}})
    assert not any("courses.ml101" in n for n in render(shared).notes)


@pytest.mark.parametrize("url", [
    "postgresql://hub@db.example.org/hub?password=Qp-4711",
    "postgresql://hub:Qp/4711@db.example.org/hub",
    "postgresql://db.example.org/hub",
])
def test_a_hub_database_url_in_any_form_is_moved_to_the_secret(url):
    config = validate({"hub": {"db_url": url}})
    rendered = render(config)
    assert url not in _everything(config, rendered) and "4711" not in _everything(config, rendered)
    assert any(n.startswith("hub.db_url is written in the configuration") for n in rendered.notes)


def test_a_sqlite_hub_database_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"^hub.db_url: .*PostgreSQL.*hub-db-url") as e:
        render(validate({"hub": {"db_url": "sqlite:////var/lib/campushub/hub.sqlite"}}))
    assert "\n" not in str(e.value)


def test_fill_from_env_fills_a_raw_file_and_copies():
    raw = {"auth": {"type": "oidc"}}
    filled = secrets.fill_from_env(raw, {"CAMPUSHUB_OIDC_CLIENT_SECRET": "s", "CAMPUSHUB_HUB_DB_URL": "",
                                         "CAMPUSHUB_SITE_TOKEN_DATABASE_URL": "postgresql://x"})
    assert filled == {"auth": {"type": "oidc", "oidc": {"client_secret": "s"},
                               "site_token": {"database": {"url": "postgresql://x"}}}}
    assert raw == {"auth": {"type": "oidc"}}


def test_fragments_merge_maps_add_lists_and_refuse_two_values():
    assert merge({"hub": {"a": 1, "l": [1]}}, {"hub": {"b": 2, "l": [2]}}) == {"hub": {"a": 1, "b": 2, "l": [1, 2]}}
    assert merge({"x": 1}, {"x": 1}) == {"x": 1}
    with pytest.raises(ValueError, match="hub.a"):
        merge({"hub": {"a": 1}}, {"hub": {"a": 2}})


def test_every_fragment_listed_is_a_module_with_values():
    for fragment in values.fragments():
        assert callable(fragment.values), fragment.__name__
