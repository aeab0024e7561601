"""Learners' notebooks that attack the grader: each is contained, the grader
keeps grading, and the scores are right (the attacking cell's test 0, the
tests before and after it unaffected)."""

from __future__ import annotations

import json
import os
import re
import socket
import threading

import nbformat
import pytest

from .notebooks import attack, printed

pytestmark = [pytest.mark.stack, pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox is made by root")]
CONTAINED = {"before": 1.0, "achieved": 0.0, "after": 1.0}


def grade(grader, source: bytes, submission: bytes, files=None):
    return grader.grade({"nb.ipynb": source}, {"nb.ipynb": submission}, files or {})


def scored(outcome) -> dict:
    assert outcome.error is None, outcome.error
    return {c.grade_id: c.auto_points for c in outcome.scores["nb.ipynb"] if c.kind == "tests"}


def test_other_submissions_are_out_of_reach(grader):
    """A submission graded at the same moment holds a secret in its folder; the attacker looks for it in the
    shared scratch folder (its siblings by name), through /proc, and everywhere under /tmp."""
    # the victim stays alive a while; the test then checks that the thief's search really fell inside that time
    victim_code = ("import time\nopen('secret.txt', 'w').write('OTHER-' + 'LEARNER-SECRET')\n"
                   "print(open('secret.txt').read(), 'T0=%f' % time.time())\n"
                   "time.sleep(15)\nprint('T1=%f' % time.time())")
    victim = attack(victim_code, "assert True")
    # the thief searches again and again for 20 s, so its search spans the victim's life whichever starts first
    thief_code = """import glob, json, os, time
root = os.path.dirname(os.path.dirname(os.getcwd()))
seen, found, first = set(), [], time.time()
while True:
    seen.update(os.listdir(root))
    candidates = [f"{root}/k{n}/work/secret.txt" for n in range(1, 2000)]
    candidates += glob.glob("/proc/*/cwd/secret.txt") + glob.glob(f"/proc/*/root{root}/*/work/secret.txt")
    candidates += glob.glob("/tmp/**/secret.txt", recursive=True)
    for path in candidates:
        try:
            found.append(open(path).read())
        except OSError:
            pass
    last = time.time()
    if last - first > 20:
        break
    time.sleep(0.2)
found = [f for f in found if f != "mine"]
print(json.dumps({"seen": sorted(seen), "own": os.path.basename(os.path.dirname(os.getcwd())), "found": found,
                  "first": first, "last": last}))"""
    thief = attack("open('secret.txt', 'w').write('mine')\n" + thief_code, "assert found")
    results = {}
    threads = [threading.Thread(target=lambda k, nb: results.__setitem__(k, grade(grader, *nb)), args=a)
               for a in (("victim", victim), ("thief", thief))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "OTHER-LEARNER-SECRET" in printed(results["victim"])  # the secret was there to be found
    assert not results["thief"].notes, results["thief"].notes
    seen = json.loads(printed(results["thief"]))
    started, ended = (float(re.search(rf"{m}=([0-9.]+)", printed(results["victim"])).group(1)) for m in ("T0", "T1"))
    overlap = min(ended, seen["last"]) - max(started, seen["first"])
    assert overlap > 0, "the two submissions did not run at the same time: nothing was tested"
    assert seen["found"] == [] and seen["seen"] == [seen["own"]], seen
    assert scored(results["thief"]) == CONTAINED


def test_answer_key_and_service_data_are_invisible(grader, data_dir, tmp_path):
    """The source notebook (on the instructor's disk, world-readable) and the service's data folder
    cannot be read, and nothing the kernel can read holds the hidden tests before they run."""
    code = f"""import json, os
targets = [{str(tmp_path / 'source.ipynb')!r}, {str(data_dir / 'assignments.sqlite')!r}, {str(data_dir)!r}]
stolen, tried = [], {{}}
for t in targets:
    try:
        content = open(t).read() if not os.path.isdir(t) else os.listdir(t)
    except OSError as e:
        tried[t] = type(e).__name__
    else:
        if content:
            stolen.append(content)
        else:
            tried[t] = "empty"
marker = ("HIDDEN-" + "MARKER").encode()
hits = []
for top in ["/tmp", "/var/tmp", "/dev/shm", os.environ["HOME"], "/run", "/home", "/root", "/srv", "/var/lib"]:
    for folder, _, names in os.walk(top):
        for name in names:
            try:
                with open(os.path.join(folder, name), "rb") as f:
                    if marker in f.read(1 << 24):
                        hits.append(os.path.join(folder, name))
            except OSError:
                pass
for pid in os.listdir("/proc"):
    for what in ("cmdline", "environ"):
        try:
            if marker in open(f"/proc/{{pid}}/{{what}}", "rb").read():
                hits.append(f"/proc/{{pid}}/{{what}}")
        except OSError:
            pass
stolen += hits
print(json.dumps({{"tried": tried, "hits": hits}}))"""
    source, submission = attack(code, "assert stolen", hidden="assert True, 'HIDDEN-MARKER'")
    assert b"HIDDEN-MARKER" in source and b"HIDDEN-MARKER" not in submission
    (tmp_path / "source.ipynb").write_bytes(source)
    (tmp_path / "source.ipynb").chmod(0o644)
    outcome = grade(grader, source, submission)
    seen = json.loads(printed(outcome))
    assert seen["hits"] == [] and set(seen["tried"].values()) <= {"FileNotFoundError", "PermissionError", "empty"}, seen
    assert len(seen["tried"]) == 3
    assert scored(outcome) == CONTAINED


def test_no_network(grader):
    """Not the machine's loopback (a real server listens there), not the internet, not DNS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    code = f"""import json, socket
results = {{}}
for name, address in (("loopback", ("127.0.0.1", {port})), ("internet", ("1.1.1.1", 53))):
    try:
        socket.create_connection(address, timeout=3).close()
        results[name] = "connected"
    except OSError as e:
        results[name] = type(e).__name__
try:
    socket.getaddrinfo("pypi.org", 443)
    results["dns"] = "resolved"
except OSError as e:
    results["dns"] = type(e).__name__
connected = [k for k, v in results.items() if v in ("connected", "resolved")]
print(json.dumps(results))"""
    try:
        outcome = grade(grader, *attack(code, "assert connected"))
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody knocked
    finally:
        server.close()
    results = json.loads(printed(outcome))
    assert set(results) == {"loopback", "internet", "dns"} and "connected" not in results.values(), results
    assert scored(outcome) == CONTAINED


def test_fork_bomb_is_stopped_by_the_pids_limit(grader):
    code = """import os, time
children = 0
while True:
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    children += 1"""
    outcome = grade(grader, *attack(code, "assert children > 10000"))
    assert scored(outcome) == CONTAINED


def test_allocating_10_gb_is_a_memory_error(grader):
    outcome = grade(grader, *attack("huge = bytearray(10 * 2**30)", "assert len(huge) == 10 * 2**30"))
    assert scored(outcome) == CONTAINED


def test_growing_past_the_memory_limit_kills_only_that_kernel(grader):
    """Under the address-space cap but over the cgroup's memory: the kernel is killed (OOM), the tests
    before count, the rest score 0, and the grader goes on."""
    code = "blocks = []\nfor _ in range(40):\n    blocks.append(bytearray(b'x' * 64 * 2**20))"
    outcome = grade(grader, *attack(code, "assert len(blocks) == 40"))
    assert scored(outcome) == {"before": 1.0, "achieved": 0.0, "after": 0.0}
    assert outcome.notes["nb.ipynb"].startswith("died")


@pytest.mark.parametrize("code", [
    "line = 'x' * 1023\nfor _ in range(2**20):\n    print(line)\nprinted = True",
    "for _ in range(1024):\n    print('x' * 2**20)\nprinted = True",
], ids=["lines", "megabytes"])
def test_printing_a_gigabyte_is_cut_short(grader, code):
    """A million lines of a kilobyte, or a thousand megabytes at once: the kernel stops sending (and
    IPython stops keeping) output past max_output, so it survives; the runner keeps the first max_output
    bytes and says it cut the rest."""
    outcome = grade(grader, *attack(code, "assert not printed"))
    assert scored(outcome) == CONTAINED
    size = len(outcome.executed["nb.ipynb"])
    assert grader.settings.max_output / 2 < size < grader.settings.max_output * 2, size  # the first part only
    assert "output truncated" in printed(outcome) and outcome.notes["nb.ipynb"].startswith("output truncated")


@pytest.mark.parametrize("hide", [
    "get_ipython().showtraceback = lambda *args, **kwargs: None",
    "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)",
    "import sys, os\nsys.stderr = open(os.devnull, 'w')\nget_ipython().InteractiveTB.structured_traceback = "
    "lambda *args, **kwargs: []",
])
def test_hidden_tracebacks_earn_nothing(grader, hide):
    """The failing test prints no error at all, yet scores 0: the kernel's reply says it failed."""
    outcome = grade(grader, *attack(hide, "assert False, 'wrong answer'"))
    assert scored(outcome) == CONTAINED
    nb = nbformat.reads(outcome.executed["nb.ipynb"].decode(), as_version=4)
    failing = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "achieved")
    if "showtraceback" in hide or "custom_exc" in hide:
        assert not [o for o in failing.outputs if o.output_type == "error"]  # nothing printed said "failed"


def test_the_grader_grades_normally_after_the_attacks(grader):
    outcome = grade(grader, *attack("value = 42", "assert value == 42"))
    assert scored(outcome) == {"before": 1.0, "achieved": 1.0, "after": 1.0}
