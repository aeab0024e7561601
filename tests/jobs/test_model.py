"""The job model: ids, papermill's typing of -p values, checks of notebooks,
parameters and sweeps (one line each), and a sweep as a cartesian product."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campushub.jobs import model
from campushub.jobs.model import Invalid, Job, Outcome


def test_ids_sort_by_time_and_differ():
    when = datetime(2026, 12, 1, 15, 30, 0, tzinfo=UTC)
    first, second = model.new_id(when), model.new_id(when)
    assert model.ID_RE.fullmatch(first) and first.startswith("j20261201153000-")
    assert first != second
    assert model.SWEEP_RE.fullmatch(model.new_sweep_id(when))


@pytest.mark.parametrize(("text", "value"), [
    ("True", True), ("False", False), ("None", None), ("3", 3), ("-2", -2), ("0.5", 0.5), ("1e-3", 0.001),
    ("abc", "abc"), ("true", "true"), ("", ""), ("nan", "nan"), ("inf", "inf"), ("a=b", "a=b"),
])
def test_values_are_typed_as_papermill_types_them(text, value):
    got = model.resolve_type(text)
    assert got == value and type(got) is type(value)


def test_assignment_and_sweep_from_the_command_line():
    assert model.parse_assignment("lr=0.1") == ("lr", 0.1)
    assert model.parse_assignment("name=a=b") == ("name", "a=b")
    assert model.parse_sweep("seed=1,2,x") == ("seed", [1, 2, "x"])
    for bad, call in (("lr", model.parse_assignment), ("1x=2", model.parse_assignment),
                      ("seed", model.parse_sweep), ("seed=", model.parse_sweep), ("class=1", model.parse_sweep)):
        with pytest.raises(Invalid) as e:
            call(bad)
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("path", ["../x.ipynb", "/etc/x.ipynb", "a/../../x.ipynb", "x.py", "", 5, None,
                                  "a\nb.ipynb", ".ipynb", "x" * 2000 + ".ipynb"])
def test_notebook_paths_outside_the_home_or_not_notebooks_are_refused(path):
    with pytest.raises(Invalid):
        model.notebook_path(path)


def test_notebook_paths_are_normalised():
    assert model.notebook_path("work//./train.ipynb") == "work/train.ipynb"
    assert model.notebook_path("train.ipynb") == "train.ipynb"


def test_parameters_and_sweeps_are_checked():
    assert model.check_parameters({"a": 1, "b": [1, "x", {"k": None}]}) == {"a": 1, "b": [1, "x", {"k": None}]}
    for bad in ([1], {"1a": 1}, {"a": float("nan")}, {"a": {1: 2}}, {"a": "x" * 70000}, {"for": 1}):
        with pytest.raises(Invalid):
            model.check_parameters(bad)
    assert model.check_sweep({"a": [1, 2]}, {}, 10) == {"a": [1, 2]}
    with pytest.raises(Invalid, match="both a parameter"):
        model.check_sweep({"a": [1]}, {"a": 0}, 10)
    with pytest.raises(Invalid, match="has no values"):
        model.check_sweep({"a": []}, {}, 10)
    with pytest.raises(Invalid, match="makes 12 jobs; at most 10"):
        model.check_sweep({"a": [1, 2, 3], "b": [1, 2, 3, 4]}, {}, 10)


def test_a_sweep_is_the_cartesian_product_on_top_of_the_fixed_parameters():
    sets = model.expand({"epochs": 3}, {"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(sets) == 6 == model.sweep_size({"a": [1, 2], "b": ["x", "y", "z"]})
    assert sets[0] == {"epochs": 3, "a": 1, "b": "x"} and sets[-1] == {"epochs": 3, "a": 2, "b": "z"}
    assert {(s["a"], s["b"]) for s in sets} == {(a, b) for a in (1, 2) for b in "xyz"}
    assert model.expand({"a": 1}, {}) == [{"a": 1}]


def test_refusals_are_translated():
    with pytest.raises(Invalid) as e:
        model.notebook_path("x.py")
    assert "x.py" in e.value.translated("ja") and e.value.translated("ja") != str(e.value)


def test_a_result_file_is_read_as_untrusted_input():
    good = Outcome.from_json({"state": "failed", "exit_code": 1, "duration_s": 2.5, "peak_memory": 10,
                              "failed_cell": 3, "error": "ZeroDivisionError:\n division by zero"})
    assert good == Outcome("failed", 1, 2.5, 10, 3, "ZeroDivisionError: division by zero")
    odd = Outcome.from_json({"state": "queued", "exit_code": True, "duration_s": "x", "peak_memory": -1,
                             "failed_cell": float("inf"), "error": "e" * 2000})
    assert odd.state == "failed" and odd.exit_code is None and odd.duration_s is None
    assert odd.peak_memory is None and odd.failed_cell is None and len(odd.error) == model.MAX_ERROR
    assert Outcome.from_json(None).state == "failed"


def test_a_record_as_json():
    job = Job(id=model.new_id(), owner="alice", notebook="a.ipynb", parameters={"x": 1})
    job.finish(Outcome("succeeded", 0, 1.0, 5))
    out = job.as_json()
    assert out["state"] == "succeeded" and out["folder"] == f"jobs/{job.id}" and out["finished"].endswith("+00:00")
    assert set(model.JOB_FIELDS) <= set(out)


def test_a_long_error_is_kept_to_one_short_line():
    job = Job(id=model.new_id(), owner="alice", notebook="a.ipynb")
    job.finish(Outcome("failed", error="Traceback\n" + "x" * 5000))
    assert "\n" not in job.error and len(job.error) == model.MAX_ERROR


def test_an_outcome_out_of_range_is_kept_out_of_the_record():
    # values a job's own code wrote into its report (attack review F1): each made store.finish raise
    # OverflowError on every scheduler tick
    forged = {"state": "failed", "failed_cell": 2**70, "exit_code": 2**40, "duration_s": 1e300,
              "peak_memory": 2**80, "finished": 1e300}
    assert Outcome.from_json(forged) == Outcome("failed")
    assert Outcome.from_json({"state": "oom", "exit_code": -9, "failed_cell": 3}) == Outcome("oom", -9, failed_cell=3)
    job = Job(id=model.new_id(), owner="mallory", notebook="a.ipynb")
    job.finish(Outcome("succeeded", exit_code=-(2**63), failed_cell=2**70, peak_memory=-1, finished=1e300))
    assert (job.exit_code, job.failed_cell, job.peak_memory) == (None, None, None)
    assert abs((job.finished - model.now()).total_seconds()) < 60  # the service's clock, not the claimed one


def test_control_characters_never_reach_a_record():
    job = Job(id=model.new_id(), owner="eve", notebook="a.ipynb")
    job.finish(Outcome("failed", error="cell 1: ValueError: \x1b]0;OWNED\x07\x1b[2J\x1b[31mred\u202e\x9b"))
    assert job.error.startswith("cell 1: ValueError: ") and "OWNED" in job.error
    assert not any(c in job.error for c in "\x1b\x07\u202e\x9b")


@pytest.mark.parametrize("body", [
    {"notebook": "\ud800.ipynb"}, {"parameters": {"x": "\ud800"}}, {"parameters": {"x": {"\udfff": 1}}},
    {"parameters": {"x": ["a", "\udc80"]}}, {"sweep": {"x": ["\ud800", 1]}},
])
def test_lone_surrogates_are_refused_in_one_line(body):
    # valid JSON (\ud800) that no file, log or parameters.json can take: refused at submission
    with pytest.raises(Invalid) as e:
        model.notebook_path(body.get("notebook", "a.ipynb"))
        parameters = model.check_parameters(body.get("parameters"))
        model.check_sweep(body.get("sweep"), parameters, 10)
    assert "\n" not in str(e.value) and str(e.value).encode("utf-8")
