"""`python -m campushub.deploy.local.jupyterhub_main -f CONFIG`: how `up` runs JupyterHub.

JupyterHub's own entry point (jupyterhub.app.main, what `python -m
jupyterhub` runs), with one optional import left out. JupyterHub imports
jupyter_events, which imports jsonschema, which compiles the ~40 grammars of
rfc3987_syntax whenever that package is installed (jupyter_events' own
dependencies bring it): 2.6 s of CPU, on 2 cores under load up to 3 s of a
restart before the hub answers (issue 14). rfc3987_syntax only serves the
`iri` and `iri-reference` formats, which no schema of JupyterHub's or
jupyter_events' uses; without it jsonschema simply does not check those
formats. The CLI leaves it out the same way (config/loader.py).
"""

import sys

if __name__ == "__main__":
    sys.modules.setdefault("rfc3987_syntax", None)  # None: an ImportError, which jsonschema handles
    from jupyterhub.app import main

    main()
