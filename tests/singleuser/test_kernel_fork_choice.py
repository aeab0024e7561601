"""Which launches the zygote may fork (kernel_fork.why_not): the environment's own
ipykernel launcher only, and only where a fresh interpreter would not differ."""

from __future__ import annotations

import os
import sys

import pytest

from campushub.singleuser.kernel_fork import why_not

PYTHON = os.path.join(sys.prefix, "bin", "python")
LAUNCHER = ["-m", "ipykernel_launcher", "-f", "/run/user/kernel-1.json"]


@pytest.mark.parametrize("argv", [
    [PYTHON, *LAUNCHER],
    [PYTHON, "-Xfrozen_modules=off", *LAUNCHER],  # ipykernel's own kernelspec
    [os.path.join(sys.prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}"), *LAUNCHER],
])
def test_this_environments_launcher_is_forked(argv):
    assert why_not(argv, {"PATH": "/usr/bin", "PYTHONPATH": "/srv/lib"}) is None


@pytest.mark.parametrize(("argv", "reason"), [
    (["python", *LAUNCHER], "not this environment's python"),  # whichever python PATH finds
    (["/usr/bin/python3", *LAUNCHER], "not this environment's python"),
    ([os.path.join(sys.prefix, "bin", "pip"), *LAUNCHER], "not this environment's python"),
    ([PYTHON, "-m", "ipykernel", "-f", "/run/user/kernel-1.json"], "not `python -m ipykernel_launcher"),
    ([PYTHON, "-X", "dev", *LAUNCHER], "not `python -m ipykernel_launcher"),
    ([PYTHON, *LAUNCHER, "--debug"], "not `python -m ipykernel_launcher"),
    ([], "not this environment's python"),
])
def test_anything_else_is_execd(argv, reason):
    assert why_not(argv, {}).startswith(reason)


@pytest.mark.parametrize("variable", ["PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONMALLOC", "PYTHONSAFEPATH"])
def test_interpreter_variables_mean_exec(variable):
    assert why_not([PYTHON, *LAUNCHER], {variable: "1"}) == f"its environment sets {variable}"
