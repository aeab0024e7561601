"""The apps page of the hub, /hub/campushub/apps: a person starts, stops and
deletes their apps (named servers app-*, campushub/apps) and shares them with
people, groups or a project through JupyterHub's own sharing (orm.Share)."""
