"""What our hub services (assignments, analytics) share: each is a process
beside JupyterHub that signs people in through HubOAuth, keeps its own
database (SQLite or PostgreSQL, migrated at open), renders translated pages
in the hub's look and serves Prometheus metrics to tokens allowed to read
them. The parts that are the same for every such service live here, once;
each service keeps only what is its own."""
