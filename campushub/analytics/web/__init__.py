"""The `analytics` hub service's pages, CSV downloads, records API and charts."""
