"""The `assignments` hub service's tornado pages and JSON API."""
