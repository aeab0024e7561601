"""Notebook jobs: a notebook run with papermill as the person who asked, with
parameters or a sweep of them (model.py), queued and started by the `jobs`
hub service (service.py) on the deployment's backend (backend.py)."""
