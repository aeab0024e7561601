"""Benchmarks against stock JupyterHub and the tools course teams use today (docs/benchmarks.md)."""
