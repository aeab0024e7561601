"""Attack (or accident): `k8s render --out` at a folder of something else.
The renderer replaced its README.md and values.yaml and deleted whole any
folder named like a build context (hub/, user-*/), e.g. `--out .` in a
project with a hub/ folder. Now a non-empty folder that no earlier render
wrote is refused in one line, with nothing changed; re-rendering into an
earlier render's folder still works and keeps the admin's own files there."""

from __future__ import annotations

from pathlib import Path

from tests.inprocess import campushub

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "k8s-native" / "campushub.yaml")


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in root.rglob("*")}


def test_a_folder_of_something_else_is_left_alone(tmp_path):
    project = tmp_path / "project"
    (project / "hub").mkdir(parents=True)
    (project / "hub" / "models.py").write_text("precious = True\n")
    (project / "README.md").write_text("# My project\n")
    before = _snapshot(project)
    result = campushub("k8s", "render", "--config", EXAMPLE, "--out", str(project))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and str(project) in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(project) == before


def test_an_earlier_render_is_rendered_again_keeping_the_admins_files(tmp_path):
    out = tmp_path / "release"
    first = campushub("k8s", "render", "--config", EXAMPLE, "--out", str(out))
    assert first.returncode == 0, first.stderr
    (out / "site-overrides.yaml").write_text("proxy: {}\n")  # the README's own suggestion
    (out / "README.md").write_text("stale\n")
    again = campushub("k8s", "render", "--config", EXAMPLE, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "site-overrides.yaml").read_text() == "proxy: {}\n"
    assert (out / "README.md").read_text().startswith("# Installing this CampusHub release")


def test_an_empty_folder_is_fine(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    result = campushub("k8s", "render", "--config", EXAMPLE, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "values.yaml").is_file()
