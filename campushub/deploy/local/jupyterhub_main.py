"""`python -m campushub.deploy.local.jupyterhub_main -f CONFIG`: how `up` runs JupyterHub.

JupyterHub's own application and entry point (what `python -m jupyterhub`
runs), with three changes that only concern time (issue 14: restart time and
the users API at 10,000 users):

- One optional import is left out. JupyterHub imports jupyter_events, which
  imports jsonschema, which compiles the ~40 grammars of rfc3987_syntax
  whenever that package is installed (jupyter_events' own dependencies bring
  it): 2.6 s of CPU, on 2 busy cores up to 3-4 s of a restart before the hub
  answers. rfc3987_syntax only serves the `iri` and `iri-reference` formats,
  which no schema of JupyterHub's or jupyter_events' uses; without it
  jsonschema does not check those formats. The CLI leaves it out the same way
  (config/loader.py).
- Once the hub has started, what it holds by then (modules, classes, its
  configuration, the ORM objects of every user it loaded at startup: ~200,000
  objects with 10,000 users) is frozen out of the cyclic garbage collector
  (gc.freeze). Every full collection otherwise walked all of them: a 150 ms
  pause every 15-20 requests of GET /hub/api/users?limit=200, which was the
  whole 95th percentile of that API (measured with gc.callbacks). A full
  collection now walks only what came later (~15,000 objects, ~20 ms under
  load). What is frozen is never collected as a cycle; objects that die are
  still freed by reference counting, and startup state lives as long as the hub.
  The young generation's threshold is raised then (YOUNG, below).
- After its migrations the database gets an index for the order in which
  the hub lists users (users_listing_index.py).
"""

import gc
import sys

# Allocations (net of what reference counting freed) between two young collections; Python's default is 700.
# One users-API page of 200 holds ~6,000 objects at its peak, so at 700 the collector ran ~9 young collections
# per request, promoting the page's short-lived objects into older generations and so into a full collection
# every ~14 requests: ~3 ms of GC per request in all. Above that peak, what a request makes is freed by
# reference counting before any collection runs (16 collections in 600 requests instead of 6,400).
YOUNG = 10_000

if __name__ == "__main__":
    sys.modules.setdefault("rfc3987_syntax", None)  # None: an ImportError, which jsonschema handles
    from jupyterhub import app

    from campushub.deploy.local import users_listing_index

    class JupyterHub(app.JupyterHub):  # the same name: its logger and config section stay JupyterHub's
        def init_db(self):
            super().init_db()
            users_listing_index.ensure(self.db)

        async def start(self):
            await super().start()
            gc.collect()  # this start's own garbage is not frozen
            gc.freeze()
            gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
            self.log.info("Froze %d objects held since the start out of the garbage collector's way",
                          gc.get_freeze_count())

    JupyterHub.launch_instance()
