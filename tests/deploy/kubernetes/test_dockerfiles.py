"""The Dockerfiles `campushub k8s render` writes, read with a real Dockerfile
parser (dockerfile-parse). No image is built: there is no Docker here, so
what is checked is the text a build would run, against our lock files."""

from __future__ import annotations

import io
import re
import shlex
from importlib import resources
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from campushub.config import ConfigError, validate
from campushub.config.environments import BUNDLED_LOCK, definitions, lock_for
from campushub.deploy.kubernetes import image_for
from campushub.deploy.kubernetes.render import hub, images, readme
from campushub.deploy.local.singleuser_files import ensure_singleuser_files
from campushub.singleuser.files import SITE_PACKAGES, server_files

from .chart import _read, chart_defaults
from .examples import example

EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*/campushub.yaml"))
KNOWN = {"FROM", "ARG", "ENV", "RUN", "COPY", "USER", "WORKDIR", "ENTRYPOINT", "CMD", "LABEL"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;]+)")
OUR_LOCKS = {"hub_image.lock", "hub_build.lock"}


def _bump(text: str) -> str:
    """The lock with its first pin moved to another version."""
    return re.sub(r"^([A-Za-z0-9._-]+==)(\S+)$", r"\g<1>0.0.1", text, count=1, flags=re.M)


def _lock(tmp_path: Path, name: str, bump: bool = False) -> Path:
    path = tmp_path / f"{name}.lock"
    text = BUNDLED_LOCK.read_text()
    path.write_text(_bump(text) if bump else text)
    return path


def _two_envs(tmp_path: Path) -> dict:
    return validate({"environments": {
        "ds": {"versions": {"2026.10": {"lock_file": str(_lock(tmp_path, "ds-2026.10"))},
                            "2026.11": {"lock_file": str(_lock(tmp_path, "ds-2026.11", bump=True))},
                            "byo": {"image": "registry.example.com/byo:1"}},
               "tags": {"stable": "2026.11", "old": "2026.10", "mine": "byo"}},
        "python": {"versions": {"default": {}}, "tags": {"stable": "default"}},
    }, "kubernetes": {"images": {"registry": "registry.example.com:5000/campus"}}})


def _configs(tmp_path: Path) -> list[tuple[str, dict]]:
    return [*((p.parent.name, example(p)) for p in EXAMPLES), ("defaults", validate({})),
            ("two-environments", _two_envs(tmp_path))]


def _parse(text: str) -> list[dict]:
    structure = [i for i in DockerfileParser(fileobj=io.BytesIO(text.encode())).structure
                 if i["instruction"] != "COMMENT"]
    assert structure and structure[0]["instruction"] in ("FROM", "ARG")
    assert {i["instruction"] for i in structure} <= KNOWN
    return structure


def _pip_installs(value: str):
    """The argument lists of each `pip ... install` in one RUN line."""
    lexer = shlex.shlex(value, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    command: list[str] = []
    for word in [*lexer, ";"]:
        if word not in ("&&", "||", ";", "|"):
            command.append(word)
            continue
        if "install" in command and any(w == "pip" or w.endswith("/pip") for w in command):
            yield command[command.index("install") + 1:]
        command = []


def _copied(structure: list[dict]) -> dict[str, str]:
    """Image path -> context path of each COPY from the build context."""
    out = {}
    for i in structure:
        if i["instruction"] == "COPY" and "--from" not in i["value"]:
            source, dest = shlex.split(i["value"])
            out[dest] = source
    return out


def test_there_are_examples():
    assert EXAMPLES, "no examples/*/campushub.yaml"


def test_every_dockerfile_parses_and_installs_only_our_locks(tmp_path):
    for name, config in _configs(tmp_path):
        built = {b.ref for b in images.builds(config)}
        for build in images.builds(config):
            structure = _parse(build.dockerfile)
            copied = _copied(structure)
            for source in copied.values():
                # or the folder write() makes (the help portal, built then)
                assert any(f == source.rstrip("/") or f.startswith(source) for f in build.files) \
                    or source.rstrip("/") == build.generated, (name, source)
            installs = [args for i in structure if i["instruction"] == "RUN" for args in _pip_installs(i["value"])]
            # an image made only of images this render builds (assignments) installs nothing of its own
            bases = set(DockerfileParser(fileobj=io.BytesIO(build.dockerfile.encode())).parent_images)
            assert installs or bases <= built, (name, build.context)
            for args in installs:
                assert "--no-deps" in args, (name, args)  # nothing beyond the lock's pins
                requirements = [args[k + 1] for k, a in enumerate(args) if a == "-r"]
                others = [a for k, a in enumerate(args) if not a.startswith("-") and (k == 0 or args[k - 1] != "-r")]
                for path in requirements:
                    in_context = build.files[copied[path]]
                    allowed = {lock_for(config, v).read_bytes() for e in definitions(config).values()
                               for v in e["versions"].values()}
                    allowed |= {images.package_lock(n) for n in OUR_LOCKS}
                    assert in_context in allowed, (name, path)
                    _assert_pinned(in_context.decode())
                # the one thing named outside a lock is CampusHub's own wheel, built from this checkout
                assert all(re.fullmatch(r"/tmp/wheels/campushub-[0-9.]+-py3-none-any\.whl", a) for a in others), others


def _assert_pinned(text: str) -> None:
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith(("#", "--hash"))]  # hashes continue a pin
    assert lines
    for line in lines:
        assert PIN.match(line), f"not an exact pin: {line}"


def test_base_images_are_pinned(tmp_path):
    for _name, config in _configs(tmp_path):
        built = {b.ref for b in images.builds(config)}  # tagged by the digest of their context
        for build in images.builds(config):
            parser = DockerfileParser(fileobj=io.BytesIO(build.dockerfile.encode()))
            for base in set(parser.parent_images) - built:
                assert re.search(r"(:[0-9][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$", base), base


def test_the_hub_builds_on_the_charts_own_hub_image():
    # the chart's files here are its source, versioned by chartpress at release
    assert _read("Chart.yaml")["appVersion"].startswith("5.5.")  # the JupyterHub hub_image.lock keeps
    assert images.HUB_BASE == f'{chart_defaults()["hub"]["image"]["name"]}:{readme.CHART_VERSION}'


def test_a_lock_with_hashes_is_installed_requiring_them(tmp_path):
    lock = tmp_path / "hashed.lock"
    lock.write_text("six==1.17.0 \\\n    --hash=sha256:" + "ab" * 32 + "\n")
    config = validate({"user_env": {"lock_file": str(lock)}})
    (user,) = [b for b in images.builds(config) if b.context.startswith("user-")]
    (args,) = [a for i in _parse(user.dockerfile) if i["instruction"] == "RUN" for a in _pip_installs(i["value"])]
    assert "--require-hashes" in args and "--no-deps" in args
    _assert_pinned(user.files["environment.lock"].decode())
    assert "--require-hashes" not in images.builds(validate({}))[1].dockerfile


def test_a_latest_base_is_refused():
    with pytest.raises(ConfigError, match="user_base"):
        validate({"kubernetes": {"images": {"user_base": "debian:latest"}}})
    with pytest.raises(ConfigError, match="user_base"):
        validate({"kubernetes": {"images": {"user_base": "debian"}}})


def _last(structure: list[dict], instruction: str) -> str:
    return [i["value"] for i in structure if i["instruction"] == instruction][-1]


def test_user_images_run_as_jovyan_1000(tmp_path):
    for build in [b for b in images.builds(_two_envs(tmp_path)) if b.context.startswith("user-")]:
        structure = _parse(build.dockerfile)
        assert _last(structure, "USER").split(":")[0] == "1000"
        runs = " ".join(i["value"] for i in structure if i["instruction"] == "RUN")
        assert re.search(r"useradd [^&]*--uid 1000 [^&]*jovyan", runs)
        assert _last(structure, "WORKDIR") == "/home/jovyan"
        assert "jupyterhub-singleuser" in _last(structure, "CMD")
    hub = _parse(images.builds(validate({}))[0].dockerfile)
    assert _last(hub, "USER") == "jovyan"  # the chart's hub image's own user, back after installing as root


def test_user_images_carry_the_lock_and_campushub_files(tmp_path):
    config = _two_envs(tmp_path)
    by_context = {b.context: b for b in images.builds(config)}
    assert set(by_context) == {"hub", "user-ds-2026.10", "user-ds-2026.11", "user-python-default", "help"}
    build = by_context["user-ds-2026.11"]
    assert build.files["environment.lock"] == (tmp_path / "ds-2026.11.lock").read_bytes()
    assert {p.removeprefix("campushub-files/"): d.decode() for p, d in build.files.items()
            if p.startswith("campushub-files/")} == server_files()
    # among them the analytics recording extension (issue 13), enabled for every server of the image
    assert "campushub-files/etc/jupyter/jupyter_server_config.d/campushub_analytics.json" in build.files
    assert f"campushub-files/{SITE_PACKAGES}campushub_analytics/__init__.py" in build.files


def test_local_envs_get_the_same_files(tmp_path):
    env = tmp_path / "env"
    (env / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    ensure_singleuser_files(env)
    for path, text in server_files().items():
        where = (env / "lib" / "python3.11" / "site-packages" / path.removeprefix(SITE_PACKAGES)
                 if path.startswith(SITE_PACKAGES) else env / path)
        assert where.read_text() == text


def test_tags_follow_the_lock_and_nothing_else(tmp_path):
    config = _two_envs(tmp_path)
    first = images.user_image(config, "ds", "2026.10")
    assert re.fullmatch(r"registry\.example\.com:5000/campus/campushub-user:ds-2026\.10-[0-9a-f]{12}", first)
    unrelated = validate({**config, "hub": {"port": 9443}, "environments": {
        **config["environments"], "python": {"versions": {"other": {}}, "tags": {"stable": "other"}}}})
    assert images.user_image(config, "ds", "2026.10") == first == images.user_image(unrelated, "ds", "2026.10")
    hub = images.hub_image(config)
    assert images.hub_image(config) == hub == images.hub_image(unrelated)
    assert hub.startswith("registry.example.com:5000/campus/campushub-hub:0.")
    lock = tmp_path / "ds-2026.10.lock"
    lock.write_text(_bump(lock.read_text()))
    changed = images.user_image(config, "ds", "2026.10")
    assert changed != first and changed.rsplit("-", 1)[0] == first.rsplit("-", 1)[0]
    # now the same lock as 2026.11's: still its own tag, the version's name is in it
    assert lock.read_bytes() == (tmp_path / "ds-2026.11.lock").read_bytes()
    assert images.user_image(config, "ds", "2026.11") not in (first, changed)


def test_refs_are_the_spawners(tmp_path):
    for name, config in _configs(tmp_path):
        built = {b.context: b.ref for b in images.builds(config)}
        for env_name, env in definitions(config).items():
            for tag, version in env["tags"].items():
                spec = env["versions"][version]
                expected = spec.get("image") or built[f"user-{env_name}-{version}"]
                assert image_for(config, env_name, tag) == expected, (name, env_name, tag)


def test_no_user_image_is_built_where_the_site_names_one():
    config = validate({"kubernetes": {"image": {"name": "quay.io/jupyter/scipy-notebook", "tag": "2026-11-02"}}})
    assert [b.context for b in images.builds(config)] == ["hub", "help"]


def test_write_and_commands(tmp_path):
    # without the help portal, whose context write() fills with a build (test_render_help_site.py)
    config = validate({**_two_envs(tmp_path), "help": {"enabled": False}})
    out = tmp_path / "out"
    (out / "user-ds-2026.10").mkdir(parents=True)
    (out / "user-ds-2026.10" / "stale.txt").write_text("from an earlier render")
    written = images.write(config, out)
    for build in written:
        context = out / build.context
        assert (context / "Dockerfile").read_text() == build.dockerfile
        assert {str(p.relative_to(context)) for p in context.rglob("*") if p.is_file()} == {"Dockerfile", *build.files}
    assert (out / "user-ds-2026.11" / "environment.lock").read_bytes() == (tmp_path / "ds-2026.11.lock").read_bytes()
    assert (out / "hub" / "src" / "pyproject.toml").is_file()
    commands = images.build_commands(config, out)
    for build in written:
        assert f"docker build --tag {build.ref} {out / build.context}" in commands
        assert f"docker push {build.ref}" in commands
    local = images.build_commands(validate({}), out)
    assert local and not any(c.startswith("docker push") for c in local)  # no registry: nothing to push to


def test_an_unreadable_lock_is_one_line_naming_its_key(tmp_path):
    config = validate({"environments": {"ds": {"versions": {"v1": {"lock_file": str(tmp_path / "missing.lock")}},
                                               "tags": {"stable": "v1"}}}})
    with pytest.raises(ConfigError, match=r"environments\.ds\.versions\.v1\.lock_file: cannot read") as e:
        images.builds(config)
    assert "\n" not in str(e.value)


def test_hub_lock_adds_to_the_chart_image_without_downgrading_jupyterhub():
    pins = dict(PIN.match(line).group(1, 3) for line in images.package_lock("hub_image.lock").decode().splitlines()
                if line.strip() and not line.startswith("#"))
    assert "jupyterhub" not in pins  # the chart's JupyterHub 5.5 stays
    assert pins["jupyterhub-kubespawner"].startswith("7.")
    assert resources.files("campushub.deploy.kubernetes.render").joinpath("hub_build.lock").is_file()


def test_the_hub_pods_file_names_each_built_image(tmp_path):
    """The pod has none of the lock files the refs come from: the file it
    reads names the images, and image_for still gives the same refs."""
    implicit = validate({"user_env": {"lock_file": str(_lock(tmp_path, "site", bump=True))}})
    for config in (_two_envs(tmp_path), implicit):
        expected = {(e, t): image_for(config, e, t) for e, env in definitions(config).items() for t in env["tags"]}
        mounted = yaml.safe_load(hub.site_file(config))
        for lock in tmp_path.glob("*.lock"):
            lock.unlink()
        in_pod = validate(mounted)
        assert {(e, t): image_for(in_pod, e, t) for e, t in expected} == expected
        _two_envs(tmp_path)  # the locks back for the next config
        _lock(tmp_path, "site", bump=True)
