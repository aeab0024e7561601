"""Writing a rendered release into a folder: values.yaml, the objects beside
the chart, the image Dockerfiles and README.md. Everything is rendered before
the first file is written, so a configuration the renderer refuses leaves
the folder as it was."""

from __future__ import annotations

from pathlib import Path

from . import images, readme
from .text import dump
from .values import render

VALUES = "values.yaml"
MANIFESTS = "manifests.yaml"


def write(config: dict, out: Path) -> tuple[list[Path], list[str]]:
    """Render `config` into `out`; returns the files written and the notes
    for the admin (also in README.md)."""
    rendered = render(config)
    images.builds(config)  # a lock file it cannot read is refused here, before any write
    files = {VALUES: "# Zero to JupyterHub chart values, written by `campushub k8s render`.\n"
                     + dump(rendered.values)}
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
    return written + [out / build.context for build in images.write(config, out)], rendered.notes
