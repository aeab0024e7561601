"""The analytics hub service: cell executions recorded by the single-user
server extension, the hub's activity and spawn times, and the pages, CSV and
metrics built from them."""
