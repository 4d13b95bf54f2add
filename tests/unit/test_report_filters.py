"""The report filters: charts that draw what they are given (gaps included), arithmetic and rows that tolerate gaps."""

import re

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.filter.charts import svg_line_chart
from ansible_collections.erpops.azure.plugins.filter.report import format_row, pluck, scale


def test_a_chart_draws_each_series_with_its_gaps_and_the_target():
    svg = svg_line_chart([{"name": "CPU", "points": [["10:00", 10], ["11:00", None], ["12:00", 30], ["13:00", 40]]},
                          {"name": "memory", "points": [["10:00", 50], ["11:00", 55], ["12:00", 60], ["13:00", 65]]}],
                         title="CPU & memory", unit="%", threshold=70)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="series"') == 3  # CPU: a lone point before the gap, then a line; memory: one line
    assert 'class="threshold"' in svg and "CPU &amp; memory" in svg
    target_y = float(re.search(r'class="threshold" x1="\d+" y1="([0-9.]+)"', svg).group(1))
    lowest_memory_y = float(re.findall(r'points="([^"]+)"', svg)[-1].split()[-1].split(",")[1])
    assert 28 < target_y < lowest_memory_y  # 70 % is drawn above the memory line's 65 %, inside the plot


def test_a_chart_without_data_still_renders_and_bad_input_is_refused():
    assert "<svg" in svg_line_chart([{"name": "none", "points": []}], title="empty")
    with pytest.raises(AnsibleFilterError):
        svg_line_chart({"points": []})


def test_scale_pluck_and_rows_tolerate_gaps():
    assert [scale(v, 1000) for v in (0.25, None, "x", True)] == [250.0, None, None, None]
    assert pluck([{"average": 1.5}, {"timeStamp": "t"}, None], "average") == [1.5, None, None]
    assert format_row({"Name": "GET  /api/x/", "n": 3}, ["Name", "n"]) == "GET /api/x/ / 3"
    assert format_row({"m": "x" * 200}, ["m"], width=10) == "xxxxxxx..."
