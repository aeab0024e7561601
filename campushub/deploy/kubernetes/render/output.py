"""Writing a rendered release into a folder: values.yaml, the objects beside
the chart, the image Dockerfiles and README.md. Everything is rendered before
the first file is written, so a configuration the renderer refuses leaves
the folder as it was."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from . import help_site, images, readme
from .text import dump
from .values import Rendered, render

VALUES = "values.yaml"
MANIFESTS = "manifests.yaml"
HEADER = "# Zero to JupyterHub chart values, written by `campushub k8s render`.\n"


def write(config: dict, out: Path) -> tuple[list[Path], list[str]]:
    """Render `config` into `out`; returns the files written and the notes
    for the admin (also in README.md). A help portal that does not build
    raises campushub.help.HelpBuildError, with nothing written."""
    rendered = render(config)
    images.builds(config)  # a lock file it cannot read is refused here, before any write
    _check_ours(out)
    with tempfile.TemporaryDirectory(prefix="campushub-help-") as work:
        # built before any write too: the slow step, and the one a broken page fails
        return _write(config, out, rendered, help_site.build(config, Path(work)))


def _write(config: dict, out: Path, rendered: Rendered, help_portal: Path | None) -> tuple[list[Path], list[str]]:
    files = {VALUES: HEADER + dump(rendered.values)}
    if rendered.manifests:
        files[MANIFESTS] = "".join(dump(m, explicit_start=True) for m in rendered.manifests)
    image_lines = [
        "Build the images and push them to a registry the cluster pulls from "
        "(`campushub k8s images --config campushub.yaml` prints the same commands):",
        "",
        "```sh",
        *images.build_commands(config, "."),
        "```",
    ]
    files["README.md"] = readme.text(config, [MANIFESTS] if rendered.manifests else [], image_lines, rendered.notes)
    out.mkdir(parents=True, exist_ok=True)
    if not rendered.manifests:  # one left from an earlier render would be applied by the old README's step
        (out / MANIFESTS).unlink(missing_ok=True)
    written = []
    for name, text in files.items():
        (out / name).write_text(text)
        written.append(out / name)
    return written + [out / build.context for build in images.write(config, out, help_portal)], rendered.notes


def _check_ours(out: Path) -> None:
    """Writing replaces README.md and values.yaml and deletes whole folders
    named like the build contexts (hub/, user-*/): only in a new or empty
    folder, or one an earlier render wrote (its values.yaml says so)."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    try:
        ours = (out / VALUES).read_text().startswith(HEADER)
    except (OSError, UnicodeDecodeError):
        ours = False
    if not ours:
        raise FileExistsError(errno.EEXIST, "not empty, and not an earlier render (its values.yaml would say so): "
                              "give a new or empty folder, or the folder of an earlier render", str(out))
