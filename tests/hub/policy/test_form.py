"""The spawn form snippet: the user's own ranges as input bounds, fixed values
as text, environments with their versions, in English and Japanese."""

from __future__ import annotations

import re

from campushub.hub.policy.spawner import _templates, nothing_to_choose
from campushub.hub.policy.types import Policy, Range
from campushub.i18n import translate

GIB = 2**30


def policy(**overrides) -> Policy:
    base = dict(cpu=Range(0.5, 4, 1), memory=Range(GIB, 8 * GIB, 2 * GIB), gpus=Range(0, 0, 0),
                environments=(("python", "stable"),), node_pools=(), max_servers=1, user_environments=True)
    return Policy(**{**base, **overrides})


def render(p: Policy, lang: str = "en", environments=None, current=None) -> str:
    current = current or {"cpu": 1, "memory": 2 * GIB, "gpus": 0, "environment": "python:stable",
                          "node_pool": None}
    return _templates().get_template("spawn_options.html").render(
        _=lambda m, **kw: translate(lang, m, **kw), policy=p, current=current,
        environments=environments or [], gib=GIB)


def attr(html: str, element_id: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', html).group(0)
    return re.search(rf'{name}="([^"]*)"', tag).group(1)


def test_inputs_carry_the_users_range_and_current_value():
    html = render(policy())
    assert (attr(html, "cpu-input", "min"), attr(html, "cpu-input", "max"), attr(html, "cpu-input", "value")) \
        == ("0.5", "4", "1")
    assert (attr(html, "memory-input", "min"), attr(html, "memory-input", "max")) == ("1", "8")
    assert 'name="gpus"' not in html  # no GPUs allowed: no control
    assert "Between 0.5 and 4 cores." in html


def test_fixed_values_are_shown_not_asked():
    html = render(policy(cpu=Range(2, 2, 2)))
    assert 'name="cpu"' not in html and "2 cores" in html


def test_gpus_environments_and_pools_when_there_is_a_choice():
    envs = [{"name": "python", "title": "Python", "description": "Data analysis",
             "tags": [{"tag": "stable", "version": "2026.11", "packages": {"numpy": "2.3.4"}, "built": True},
                      {"tag": "dev", "version": "2026.12", "packages": {}, "built": False}]}]
    html = render(policy(gpus=Range(0, 2, 0), environments=(("python", "stable"), ("python", "dev")),
                         node_pools=("gpu", "standard")), environments=envs)
    assert attr(html, "gpus-input", "max") == "2"
    assert re.findall(r'name="environment"[^>]*value="([^"]+)"', html) == ["python:stable", "python:dev"]
    assert "numpy 2.3.4" in html and "2026.11" in html and "Not built yet" in html
    assert re.findall(r'<option value="([^"]+)"', html) == ["gpu", "standard"]


def test_japanese_form():
    html = render(policy(user_environments=False), lang="ja")
    assert "0.5〜4 コア の範囲で指定してください。" in html
    assert "パッケージは管理者が管理しています" in html


def test_values_from_people_are_escaped():
    envs = [{"name": "python", "title": "<script>x</script>", "description": "", "tags": [
        {"tag": "stable", "version": None, "packages": {}, "built": True},
        {"tag": "dev", "version": None, "packages": {}, "built": True}]}]
    html = render(policy(environments=(("python", "stable"), ("python", "dev"))), environments=envs)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_nothing_to_choose_means_no_form():
    assert nothing_to_choose(policy(cpu=Range(1, 1, 1), memory=Range(GIB, GIB, GIB)))
    assert not nothing_to_choose(policy())


def test_one_allowed_environment_is_shown_read_only():
    envs = [{"name": "ds", "title": "Data science", "description": "Course environment",
             "tags": [{"tag": "stable", "version": "2026.11", "packages": {"numpy": "2.3.4", "python": "3.11.7"},
                       "built": True}]}]
    html = render(policy(environments=(("ds", "stable"),)), environments=envs)
    assert 'name="environment"' not in html  # nothing to choose
    block = html[html.index('id="environment-fixed"'):]
    for shown in ("Environment", "Data science", "stable", "2026.11", "Course environment", "numpy 2.3.4",
                  "python 3.11.7"):
        assert shown in block
    ja = render(policy(environments=(("ds", "stable"),)), lang="ja", environments=envs)
    assert translate("ja", "Environment") in ja[ja.index('id="environment-fixed"'):]


def test_the_form_code_shows_the_one_environment_a_policy_allows():
    """render_options_form (the real form code, no hub) with a site whose
    policy allows one environment but a range of CPUs."""
    from types import SimpleNamespace

    from campushub.config import validate
    from campushub.hub.policy.spawner import PolicyMixin

    class FormSpawner(PolicyMixin):  # a backend that cannot tell what is built
        user = SimpleNamespace(groups=[], spawners={})
        name, handler = "", None

    config = validate({"environments": {"ds": {"title": "Data science", "versions": {"v1": {}},
                                               "tags": {"stable": "v1"}}},
                       "policies": {"default": {"cpu": {"min": 1, "max": 2}, "environments": ["ds:stable"]}}})
    html = FormSpawner(site_config=config).render_options_form()
    assert 'name="cpu"' in html and 'name="environment"' not in html
    block = html[html.index('id="environment-fixed"'):]
    assert "Data science" in block and "stable" in block


def test_any_value_in_range_is_valid_to_the_browser():
    # A number input accepts only min + k*step: with a 128 MiB minimum and a 0.5 GiB step the
    # default 0.5 GiB was invalid and the browser refused to submit the form (seen in Chromium).
    html = render(policy(memory=Range(GIB // 8, GIB // 2, GIB // 2)), current={
        "cpu": 1, "memory": GIB // 2, "gpus": 0, "environment": "python:stable", "node_pool": None})
    assert attr(html, "memory-input", "min") == "0.125" and attr(html, "memory-input", "value") == "0.5"
    assert attr(html, "memory-input", "step") == "any" and attr(html, "cpu-input", "step") == "any"
