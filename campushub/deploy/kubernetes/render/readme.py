"""README.md beside the rendered values: the commands that turn them into a
running release, with placeholders where secrets go (never their values)."""

from __future__ import annotations

import shlex

from ....hub import services
from .. import secrets
from . import hub, remote_kernels

CHART_REPO = "https://hub.jupyter.org/helm-chart/"
CHART_VERSION = "4.4.0"
ENV_FILE = "secrets.env"

PLACEHOLDERS = {
    "hub-db-url": "postgresql://USER:PASSWORD@HOST:5432/DATABASE",
    "site-token-database-url": "postgresql://READER:PASSWORD@SITE-DB-HOST:5432/SITE-DATABASE",
    "oidc-client-secret": "CLIENT-SECRET",
    "google-client-secret": "CLIENT-SECRET",
    "ldap-search-password": "SEARCH-PASSWORD",
}


def helm_command(config: dict, values_file: str = "values.yaml") -> str:
    kube = config["kubernetes"]
    return shlex.join(["helm", "upgrade", "--install", kube["release"], "jupyterhub", "--repo", CHART_REPO,
                       "--version", CHART_VERSION, "--namespace", kube["namespace"], "--values", values_file])


def env_file_lines(config: dict) -> list[str]:
    """secrets.env as the README writes it: one key=PLACEHOLDER line per wired secret,
    and the keys our services' pods read from the Secret (remote_kernels.secret_keys)."""
    return ([f"{s.key}={PLACEHOLDERS.get(s.key, s.key.upper())}" for s in hub.wired(config)]
            + [f"{key}={placeholder}" for key, placeholder in remote_kernels.secret_keys(config)])


def _create(config: dict, name: str, sources: list[str], update: bool) -> str:
    kube = config["kubernetes"]
    create = shlex.join(["kubectl", "--namespace", kube["namespace"], "create", "secret", "generic", name, *sources])
    if not update:
        return create
    # the Secret's new data goes through the pipe, never onto a command line
    apply = shlex.join(["kubectl", "--namespace", kube["namespace"], "apply", "-f", "-"])
    return f"{create} --dry-run=client -o yaml | {apply}"


def secret_command(config: dict, update: bool = False) -> str:
    """Creates (or, with update, replaces) the Secret from secrets.env: values on a
    command line would be visible to every account in `ps` and kept in shell history."""
    return _create(config, config["kubernetes"]["secret_name"], [f"--from-env-file={ENV_FILE}"], update)


def files_command(config: dict, update: bool = False) -> str | None:
    files = secrets.files_needed(config)
    if not files:
        return None
    return _create(config, config["kubernetes"]["files_secret_name"],
                   [f"--from-file={f.key}={path}" for f, path in files], update)


def secrets_steps(config: dict) -> list[str]:
    """Shell lines: secrets.env written readable by its owner only (placeholders,
    never values), filled in by the admin, turned into the Secret, removed."""
    return [f"(umask 077 && rm -f {ENV_FILE} && cat > {ENV_FILE} <<'EOF'", *env_file_lines(config), "EOF", ")",
            f'"${{EDITOR:-vi}}" {ENV_FILE}  # replace each placeholder with the real value',
            secret_command(config), f"shred -u {ENV_FILE}  # or rm where there is no shred"]


def text(config: dict, manifests: list[str], image_lines: list[str], notes: list[str]) -> str:
    kube = config["kubernetes"]
    ns = kube["namespace"]
    out = [
        "# Installing this CampusHub release",
        "",
        f"Written by `campushub k8s render` for the Zero to JupyterHub chart {CHART_VERSION}. Run the commands "
        "below from this folder, with kubectl and helm pointed at the cluster. Render again and repeat the "
        "`helm upgrade` step after every change of campushub.yaml: running servers are not restarted.",
        "",
        "## 1. Images",
        "",
        *image_lines,
        "",
        "## 2. Secrets",
        "",
        f"Secret values never appear in `values.yaml` nor in the campushub.yaml the hub reads: the hub takes "
        f"them from the Secret `{kube['secret_name']}`. They go from a file only you can read into the Secret, "
        "never onto a command line (where `ps` shows them to every account on the machine and the shell history "
        f"keeps them): the commands below write `{ENV_FILE}` with placeholders, you replace each with the real "
        "value (keep one `key=value` per line, no quotes), then the Secret is made from it and the file removed:",
        "",
        "```sh",
        f"kubectl create namespace {ns}",
        *secrets_steps(config),
        "```",
        "",
        "The hub database must be PostgreSQL (the hub pod keeps no files). To change a value later, write "
        f"`{ENV_FILE}` the same way with every key, replace the Secret and restart the hub:",
        "",
        "```sh",
        secret_command(config, update=True),
        f"shred -u {ENV_FILE}",
        f"kubectl --namespace {ns} rollout restart deployment/hub",
        "```",
    ]
    optional = [f"`{service}-api-token`" for service, _ in services.token_envs()]
    if optional:
        out += ["", "Optional keys in the same Secret give CampusHub's hub services their API tokens (a service "
                f"without one is not started): {', '.join(optional)}; add them as lines of `{ENV_FILE}` before "
                "the Secret is made from it."]
    files = files_command(config)
    if files:
        out += ["", f"Files the configuration names are mounted into the hub from the Secret "
                f"`{kube['files_secret_name']}`, at the paths campushub.yaml gives (replace the paths on the "
                "right with where the files are on your machine; to replace them later, "
                f"`{files_command(config, update=True)}`):", "", "```sh", files, "```"]
    if manifests:
        out += ["", "## 3. Objects beside the chart", "", "```sh",
                *(f"kubectl --namespace {ns} apply -f {m}" for m in manifests), "```"]
    out += ["", f"## {4 if manifests else 3}. Install or upgrade", "", "```sh", helm_command(config), "```", "",
            "`values.yaml` carries campushub.yaml (without its secrets) to the hub, which restarts by itself when "
            "it changes. Chart settings campushub.yaml does not cover (an ingress, `proxy.https`, extra "
            "`hub.services`) go into a values file of your own, added after this one: "
            "`--values values.yaml --values site-overrides.yaml`."]
    if config["auth"]["type"] == "native":
        admin = (config["hub"]["admin_users"] or ["NAME"])[0]
        out += ["", "## First admin", "", "Native accounts live in the hub database. Once the hub runs, create the "
                "first admin (a name listed in hub.admin_users) and note the password it prints once:", "",
                "```sh", f"kubectl --namespace {ns} exec deploy/hub -- "
                f"python3 -m campushub.deploy.kubernetes.first_admin {shlex.quote(admin)}", "```"]
    if notes:
        out += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    return "\n".join(out) + "\n"
