"""The analytics pages, CSV and records API over HTTP, in-process (service.py)."""
