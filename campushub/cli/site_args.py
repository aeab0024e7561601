"""--config and --data-dir as `campushub up` reads them, for the commands that
act on one site (env build, env list, ...).

With --config the file decides and --data-dir overrides its data_dir, as for
`up`. Without --config the site's own effective configuration, which `up`
recorded in its data dir, is used when there is one: `env list` on a machine
where `up --config /etc/campushub/campushub.yaml` ran then sees that site's
environments, not the built-in defaults'.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import config as site_config
from ..deploy.local.layout import Layout
from .main import CommandError


def add(parser) -> None:
    parser.add_argument("--config", metavar="FILE", help="site configuration (default: the one `campushub up` "
                        "recorded in the data dir, else the built-in defaults)")
    parser.add_argument("--data-dir", metavar="DIR", help="the site's state directory (overrides data_dir)")


def load(args) -> dict:
    """The validated configuration of the site the arguments name."""
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir else None
    if args.config:
        config = site_config.load(args.config)
    else:
        recorded = Layout.for_dir(data_dir).config_copy
        try:
            recorded_config = json.loads(recorded.read_text())
        except FileNotFoundError:
            recorded_config = {}
        except (OSError, ValueError) as e:
            raise CommandError(f"{recorded}: cannot read the site's recorded configuration ({e}); "
                               "run as root, or give --config") from None
        config = site_config.validate(recorded_config, path=str(recorded))
    if data_dir and config["data_dir"] != data_dir:
        config = site_config.validate(site_config.merge(config, {"data_dir": data_dir}), path="command line")
    return config
