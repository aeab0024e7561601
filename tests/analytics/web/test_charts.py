"""The server-rendered SVG charts (analytics/web/charts.py): a title and
both axis labels in the picture, text escaped, no script, count axes in
whole numbers, and a one-line note instead of an empty chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from campushub.analytics.web.charts import bars, lines
from campushub.analytics.web.svg import nice_top

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


def test_lines_have_a_legend_per_series_and_an_empty_chart_is_a_note():
    svg = lines("Servers over time", "Time", "Servers", ["t1", "t2", "t3"],
                [("Running", [1, 2, 3]), ("Starting", [0, None, 1])], empty="nothing")
    found = texts(svg)
    assert {"Servers over time", "Time", "Servers", "Running", "Starting", "t1", "t3"} <= set(found)
    assert str(svg).count("<polyline") == 2
    note = lines("Servers over time", "Time", "Servers", [], [("Running", [])], empty="No polls.")
    assert "<svg" not in str(note) and "No polls." in str(note)


def test_axis_tops_are_round():
    assert [nice_top(v) for v in (0, 3, 5, 9, 37, 101)] == [4, 4, 8, 12, 40, 120]
    assert nice_top(0.3, whole=False) == 0.4
