"""Attack: a course repository URL carrying an access token. Git hosts take
tokens as the bare user of an https URL (https://TOKEN@host/repo.git) or in
the query (GitLab's ?private_token=); neither has the user:password@ form the
secret check looked for, so `k8s render` copied the token into values.yaml
(the mounted campushub.yaml), README.md and its printed notes. Such a URL now
counts as a secret: the file-permission check names it, and the renderer
refuses it naming the key and never the value."""

from __future__ import annotations

import os

import pytest

from campushub.config import ConfigError, exposure, validate
from campushub.deploy.kubernetes.render import values as rendered
from tests.inprocess import campushub

TOKEN = "glpat-Att4ckT0ken9"
LEAKY = [f"https://{TOKEN}@git.example.org/ml101.git",
         f"https://git.example.org/ml101.git?private_token={TOKEN}",
         f"http://git.example.org/ml101.git?access_token={TOKEN}"]


def _site(repo: str) -> dict:
    return {"courses": {"ml101": {"learners_group": "l", "tutors_group": "t", "repo": repo}},
            "kubernetes": {"namespace": "jhub", "network": {"internet": False}}}


@pytest.mark.parametrize("repo", LEAKY)
def test_a_token_in_a_course_repo_url_is_a_secret(repo):
    assert exposure.secret_keys(validate(_site(repo))) == ["courses.ml101.repo"]


@pytest.mark.parametrize("repo", ["https://git.example.org/ml101.git", "git@github.com:org/ml101.git",
                                  "ssh://git@git.example.org/ml101.git", "file:///srv/course/ml101"])
def test_plain_course_repo_urls_are_no_secret(repo):
    assert exposure.secret_keys(validate(_site(repo))) == []


@pytest.mark.parametrize("repo", LEAKY)
def test_render_refuses_a_course_token_naming_the_key_only(repo):
    with pytest.raises(ConfigError) as e:
        rendered.render(validate(_site(repo)))
    assert "courses.ml101.repo" in str(e.value) and TOKEN not in str(e.value)


def test_cli_writes_no_token_anywhere(tmp_path):
    config = tmp_path / "campushub.yaml"
    config.write_text(f"courses:\n  ml101:\n    learners_group: l\n    tutors_group: t\n"
                      f"    repo: {LEAKY[0]}\nkubernetes:\n  namespace: jhub\n  network: {{internet: false}}\n")
    os.chmod(config, 0o600)
    out = tmp_path / "release"
    result = campushub("k8s", "render", "--config", str(config), "--out", str(out))
    assert result.returncode != 0
    assert TOKEN not in result.stdout + result.stderr
    assert "courses.ml101.repo" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
