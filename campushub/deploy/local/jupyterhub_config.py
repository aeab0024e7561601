# JupyterHub configuration used by `campushub up`: everything comes from the
# site configuration that `up` validated and saved in the data dir.
# An admin's own jupyterhub_config.py can be layered after this one.
import json
import os
from pathlib import Path

from campushub.deploy.local import hub_config
from campushub.deploy.local.layout import Layout

c = get_config()  # noqa: F821 (provided by traitlets when loading this file)

_layout = Layout(Path(os.environ["CAMPUSHUB_DATA_DIR"]))
_config = json.loads(_layout.config_copy.read_text())
hub_config.apply(c, _config, _layout, os.environ.get("CAMPUSHUB_ENV_DIR"))
