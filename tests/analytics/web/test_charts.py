"""The server-rendered SVG charts (analytics/web/charts.py): a title and
both axis labels in the picture, text escaped, no script, count axes in
whole numbers, a one-line note instead of an empty chart, and lines over
time placed by time, with tick labels at round times where those fall."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from campushub.analytics.web.charts import bars, lines
from campushub.analytics.web.svg import LEFT, PLOT_H, PLOT_W, TOP, nice_top

SVG = "{http://www.w3.org/2000/svg}"


def texts(markup) -> list[str]:
    root = ET.fromstring(str(markup))  # well-formed XML: a stray < in a label would break this
    return [t.text for t in root.iter(f"{SVG}text")]


def test_bars_carry_title_axis_labels_and_escaped_hover_text():
    svg = bars("Executions <per> cell", "Cell", "Executions", [("1", "<script>x</script>", 3), ("2", "b & c", 1)],
               empty="none")
    found = texts(svg)
    assert found[0] == "Executions <per> cell" and "Cell" in found and "Executions" in found
    assert "<script>" not in str(svg) and "&lt;script&gt;" in str(svg)
    assert [t for t in found if re.fullmatch(r"[\d.]+", t or "")][:5] == ["0", "1", "2", "3", "4"]


T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def x_labels(markup) -> list[tuple[float, str]]:
    """The x axis's tick labels (the row of text under the plot) with their x."""
    root = ET.fromstring(str(markup))
    return [(float(t.get("x")), t.text) for t in root.iter(f"{SVG}text") if t.get("y") == str(TOP + PLOT_H + 16)]


def dots(markup) -> list[tuple[float, str]]:
    root = ET.fromstring(str(markup))
    return [(float(c.get("cx")), c.find(f"{SVG}title").text) for c in root.iter(f"{SVG}circle")]


def x_at(t, start, end) -> float:
    return LEFT + PLOT_W * (t - start) / (end - start)


def test_lines_have_a_legend_per_series_and_an_empty_chart_is_a_note():
    times = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    svg = lines("Servers over time", "Time", "Servers", times, [("Running", [1, 2, 3]), ("Starting", [0, 1, 1])],
                empty="nothing")
    found = texts(svg)
    assert {"Servers over time", "Time", "Servers", "Running", "Starting"} <= set(found)
    assert str(svg).count("<polyline") == 2
    for series in ([("Running", [])], [("Running", [None])]):  # no times, or no values at them
        note = lines("Servers over time", "Time", "Servers", times[: len(series[0][1])], series, empty="No polls.")
        assert "<svg" not in str(note) and "No polls." in str(note)


def test_a_line_places_points_by_time_not_by_their_number():
    # three polls a minute apart, then one half an hour later and one at the hour: the fourth point
    # is in the middle of the chart (by index it would be at three quarters)
    times = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0 + timedelta(minutes=30),
             T0 + timedelta(minutes=60)]
    svg = lines("Servers", "Time", "Servers", times, [("Running", [1, 1, 2, 3, 2])], empty="-")
    xs = [x for x, _ in dots(svg)]
    assert xs[0] == LEFT and xs[-1] == LEFT + PLOT_W
    assert abs(xs[3] - (LEFT + PLOT_W / 2)) < 0.1
    assert abs(xs[1] - (LEFT + PLOT_W / 60)) < 0.1


def test_time_labels_are_round_times_where_those_times_fall():
    # polls every minute for 10 minutes, the hub down for almost two hours, then 10 more polls
    times = [T0 + timedelta(minutes=m) for m in (*range(10), *range(120, 130))]
    svg = lines("Servers", "Time", "Servers", times, [("Running", [1] * 20)], empty="-")
    labels = x_labels(svg)
    assert 3 <= len(labels) <= 6, labels
    day = None
    for x, text in labels:
        if " " in text:
            day, text = text.split(" ")
        tick = datetime.fromisoformat(f"{day}T{text}+00:00")
        assert tick.minute % 15 == 0 and tick.second == 0, text  # a round time
        assert abs(x - x_at(tick, times[0], times[-1])) < 0.1, (text, x)  # where that time is
    assert labels[0][1].startswith("2026-12-01 ")  # the first label says the day too
    # the line is broken where the hub was down instead of joining the two runs of polls
    assert str(svg).count("<polyline") == 2


def test_days_without_values_leave_room_and_no_line():
    # spawn durations per day: spawns on 2 days out of 30
    days = [date(2026, 11, 2) + timedelta(days=n) for n in range(30)]
    values = [None] * 30
    values[3], values[29] = 4.0, 2.5
    svg = lines("Spawn duration", "Day", "Seconds", days, [("Median", values)], empty="-")
    assert "<polyline" not in str(svg)  # no line made up across the days without a spawn
    assert dots(svg) == [(round(LEFT + PLOT_W * 3 / 29, 1), "Median, 2026-11-05: 4"),
                         (LEFT + PLOT_W, "Median, 2026-12-01: 2.5")]
    labels = x_labels(svg)
    assert all(date.fromisoformat(text).weekday() == 0 for _, text in labels)  # weekly, on Mondays
    for x, text in labels:
        assert abs(x - x_at(date.fromisoformat(text), days[0], days[-1])) < 0.1


def test_a_single_value_sits_in_the_middle_with_its_time_labelled():
    svg = lines("Servers", "Time", "Servers", [T0], [("Running", [2])], empty="-")
    assert dots(svg) == [(LEFT + PLOT_W / 2, "Running, 2026-12-01 03:00:00 UTC: 2")]
    assert (LEFT + PLOT_W / 2, "03:00") in x_labels(svg)
    day = lines("Users", "Day", "Users", [date(2026, 12, 1)], [("Active", [3])], empty="-")
    assert (LEFT + PLOT_W / 2, "2026-12-01") in x_labels(day)


def test_long_spans_tick_at_month_starts_and_labels_stay_inside():
    for end in (T0 + timedelta(days=365), T0 + timedelta(days=45), T0 + timedelta(seconds=16)):
        svg = lines("Servers", "Time", "Servers", [T0, end], [("Running", [1, 2])], empty="-")
        labels = x_labels(svg)
        assert len(labels) >= 2 and all(LEFT <= x <= LEFT + PLOT_W for x, _ in labels), labels
    assert all(text.endswith("-01") for _, text in x_labels(lines(
        "Users", "Day", "Users", [date(2025, 12, 2), date(2026, 12, 1)], [("Active", [1, 2])], empty="-")))


def test_axis_tops_are_round():
    assert [nice_top(v) for v in (0, 3, 5, 9, 37, 101)] == [4, 4, 8, 12, 40, 120]
    assert nice_top(0.3, whole=False) == 0.4
