"""Storage retention: which homes a policy selects, and archiving them safely.

Pure policy and plain files only, so the same code serves a local site (the
homes under home_root), a Kubernetes Job (a claim mounted in a pod) and the
CLI: policy.py selects people, plan.py makes the one plan that both
`retention plan` shows and `retention apply` carries out, archive.py /
verify.py / extract.py write, check and bring back a home, audit.py keeps
the record. Where homes live is a backend's business (backend.py).
"""
