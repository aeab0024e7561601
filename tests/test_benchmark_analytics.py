"""The analytics overhead benchmark (benchmarks/analytics/): its numbers, its options, and one small real run."""

from __future__ import annotations

import json
import pwd

import psutil
import pytest

from benchmarks.analytics.__main__ import ACCOUNT, main, parse
from benchmarks.analytics.report import bootstrap_median_difference, summarize, table
from benchmarks.analytics.run import order


def block(side: str, pair: int, done: list[float]) -> dict:
    return {"side": side, "pair": pair,
            "samples": [{"reply_ms": d - 0.1, "done_ms": d, "status": "ok"} for d in done]}


def test_blocks_alternate_which_server_goes_first():
    assert [order(i) for i in range(3)] == [("on", "off"), ("off", "on"), ("on", "off")]


def test_summary_gives_medians_p95_and_the_difference_with_its_interval():
    phases = [block("on", 0, [5.0, 5.5, 6.0, 9.0]), block("off", 0, [4.0, 4.5, 5.0, 8.0]),
              block("off", 1, [4.0, 4.0, 4.5, 4.5]), block("on", 1, [5.5, 5.0, 6.0, 30.0])]
    s = summarize(phases)
    assert s["executions"] == {"on": 8, "off": 8} and s["non_ok_replies"] == 0
    assert s["done_ms"]["on"]["median_ms"] == 5.75 and s["done_ms"]["off"]["median_ms"] == 4.5
    assert s["done_ms"]["on"]["p95_ms"] == 30.0  # nearest rank of 8: the largest
    diff = s["done_ms"]["difference_of_medians"]
    assert diff["ms"] == 1.25 and diff["ci95_ms"][0] <= 1.25 <= diff["ci95_ms"][1]
    assert s["done_ms"]["paired_block_median_difference_ms"] == 1.25  # pairs: 5.75-4.75 and 5.75-4.25
    assert s["under_target"] is True
    assert "1.250 [" in table({"summary": s})


def test_no_verdict_without_both_sides():
    s = summarize([block("on", 0, [5.0])])
    assert s["under_target"] is None and bootstrap_median_difference([1.0], []) is None
    assert "no verdict" in table({"summary": s})


def test_options_are_checked(tmp_path):
    # a stand-in environment: this tier runs before (or without) any real environment build
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").touch()
    args = parse(["--executions", "40", "--block", "10", "--env", str(tmp_path)])
    assert (args.executions, args.block, args.warmup, args.quickack) == (40, 10, 100, True)
    for bad in (["--executions", "0"], ["--block", "0"], ["--warmup", "-1"], ["--env", "/nonexistent"]):
        with pytest.raises(SystemExit):
            parse(bad)


@pytest.mark.stack  # two real Jupyter servers of the user environment, as a temporary account
def test_a_small_run_measures_both_servers_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "result.json"
    assert main(["--executions", "30", "--block", "10", "--warmup", "5", "--flush", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    summary = result["summary"]
    assert summary["executions"] == {"on": 30, "off": 30} and summary["non_ok_replies"] == 0
    for side in ("on", "off"):
        assert summary["done_ms"][side]["median_ms"] > 0
    assert summary["done_ms"]["difference_of_medians"] is not None
    # the extension really recorded and sent every execution (warm-up included); the disabled one nothing
    assert result["records"]["on"]["kinds"]["execution"] >= 35 and result["records"]["off"]["kinds"] == {}
    with pytest.raises(KeyError):
        pwd.getpwnam(ACCOUNT)
    assert not [p for p in psutil.process_iter(["cmdline"])
                if "benchmarks.analytics.receiver" in " ".join(p.info["cmdline"] or ())]
