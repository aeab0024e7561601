"""Remote kernels on one machine: Jupyter Enterprise Gateway run by `campushub up`.

EG (its own venv, venv.py) listens on 127.0.0.1 behind a token only the
remote-kernels front holds; one kernelspec per profile (kernelspecs.py) has
EG's LocalProcessProxy run our root launcher (launch.py), which starts the
kernel as the person's own account in a cgroup of its own with the
profile's limits. gateway.py runs and supervises EG for `up`.
"""
