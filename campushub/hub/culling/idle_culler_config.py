# jupyterhub-idle-culler's config file (--config, command.py): our decision
# on each server, with the rules the hub gives the service in its environment.
from campushub.hub.culling.arbiter import from_environment

c = get_config()  # noqa: F821 (traitlets' config loader provides it)
c.IdleCuller.cull_arbiter_hook = from_environment()
