"""Which site a command means: --data-dir, else the data_dir of --config, else the default.

`status` and `down` say which data dir they looked at and how it was
chosen, and name the sites that do run when it is not the one asked about.
"""

from __future__ import annotations

from pathlib import Path

from .. import config as site_config
from ..deploy.local import sites
from ..deploy.local.layout import Layout


def add_arguments(p) -> None:
    p.add_argument("--config", metavar="FILE", help="site configuration; its data_dir is the site's (as for up)")
    p.add_argument("--data-dir", metavar="DIR", help="state directory (overrides the config's data_dir)")


def layout_for(args) -> tuple[Layout, str]:
    """The layout meant, and how it was chosen (for messages)."""
    if args.data_dir:
        return Layout(Path(args.data_dir).resolve()), "from --data-dir"
    if args.config:
        config = site_config.load(args.config)
        return Layout(Path(config["data_dir"]).resolve()), f"data_dir of {args.config}"
    return Layout.for_dir(None), "the default data dir; give --config or --data-dir for another site"


def others(layout: Layout) -> list[dict]:
    """Sites running on this machine with another data dir."""
    return [s for s in sites.running() if s["data_dir"] != str(layout.data_dir)]


def describe_others(layout: Layout) -> str:
    lines = []
    for site in others(layout):
        config = f" --config {site['config_file']}" if site.get("config_file") else ""
        lines.append(f"  {site.get('url') or ''}  campushub status --data-dir {site['data_dir']}{config}")
    return "Running on this machine:\n" + "\n".join(lines) if lines else ""
