"""The review filters: a period against the one before, day by day; the direction of a change; the month's cost curve."""

import datetime

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.erpops.azure.plugins.filter.review import age_hours, cost_curve, nearest_rank, period_stats, trend

END = "2026-12-14T06:00:00Z"


def hourly(days, value):
    """Hourly metric grains of the ``days`` days before END, each at ``value(hour index)``."""
    first = datetime.datetime(2026, 12, 14, 6, tzinfo=datetime.UTC) - datetime.timedelta(days=days)
    return [{"timeStamp": (first + datetime.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), "average": value(h)} for h in range(days * 24)]


def test_the_current_and_previous_weeks_are_split_at_the_boundary_and_summarised():
    # 14 days of hourly grains ending at END: the first week at 20 %, the second at 40 % with a 90 % hour on its last day.
    points = hourly(14, lambda h: 20.0 if h < 168 else (90.0 if h == 14 * 24 - 1 else 40.0))
    points.insert(0, {"timeStamp": "2026-11-30T05:00:00Z", "average": 99.0})  # aligned grain before the span: left out
    points.append({"timeStamp": "2026-12-14T06:00:00Z", "average": None})  # the partial grain without data: left out
    s = period_stats(points, END, 7)
    assert s["previous"]["count"] == 168 and s["previous"]["mean"] == 20.0 and s["previous"]["max"] == 20.0
    assert s["current"]["count"] == 168 and s["current"]["max"] == 90.0 and s["current"]["p95"] == 40.0
    assert s["current"]["mean"] == pytest.approx((167 * 40 + 90) / 168)
    assert s["current"]["daily"][:6] == [40.0] * 6 and s["current"]["daily"][6] == pytest.approx((23 * 40 + 90) / 24)
    assert s["previous"]["daily"] == [20.0] * 7
    assert s["labels"] == ["12-07", "12-08", "12-09", "12-10", "12-11", "12-12", "12-13"]  # 06:00 to 06:00: mostly the day before
    assert period_stats([], "2026-12-14T20:00:00Z", 2)["labels"] == ["12-13", "12-14"]  # 20:00 to 20:00: mostly the day after


def test_days_ago_rows_land_in_their_day_and_daily_sums_count_requests():
    rows = [{"d": 0, "n": 5}, {"d": 0, "n": 7}, {"d": 6, "n": 1}, {"d": 7, "n": 3}, {"d": 13, "n": 2}, {"d": 14, "n": 100}]
    s = period_stats(rows, END, 7, value="n", days_ago="d", daily="sum")
    assert s["current"]["daily"] == [1, None, None, None, None, None, 12] and s["current"]["total"] == 13
    assert s["previous"]["daily"] == [2, None, None, None, None, None, 3] and s["previous"]["total"] == 5


def test_an_empty_period_has_no_figures_and_bad_arguments_are_refused():
    s = period_stats([], END, 30)
    assert s["previous"] == {"count": 0, "mean": None, "p95": None, "max": None, "total": None, "daily": [None] * 30}
    assert len(s["labels"]) == 30 and s["labels"][-1] == "12-13"
    for args in (("soon", 7), (END, 0)):
        with pytest.raises(AnsibleFilterError):
            period_stats([], *args)
    with pytest.raises(AnsibleFilterError):
        period_stats({}, END, 7)


def test_percentile_is_the_nearest_rank_as_kql_computes_it():
    assert nearest_rank(list(range(1, 101)), 95) == 95
    assert nearest_rank([10, 20], 95) == 20 and nearest_rank([7], 95) == 7 and nearest_rank([], 95) is None


def test_trend_says_up_down_or_steady_and_nothing_without_a_previous_value():
    assert trend(420, 350) == {"arrow": "↑", "percent": pytest.approx(20.0), "delta": 70.0}
    assert trend(300, 350)["arrow"] == "↓"
    assert trend(352, 350)["arrow"] == "→"
    assert trend(10, None) == {"arrow": "", "percent": None, "delta": None}
    assert trend(5, 0) == {"arrow": "↑", "percent": None, "delta": 5.0}


def test_the_cost_curve_joins_the_actual_cost_to_the_forecast_on_the_last_actual_day():
    daily = [{"date": "2026-12-01", "cost": 6.0, "status": "Actual"}, {"date": "2026-12-02", "cost": 6.0, "status": "Actual"},
             {"date": "2026-12-03", "cost": 2.0, "status": "Actual"}, {"date": "2026-12-03", "cost": 4.0, "status": "Forecast"},
             {"date": "2026-12-04", "cost": 6.0, "status": "Forecast"}, {"date": "2026-12-05", "cost": 6.0, "status": "Forecast"}]
    curve = cost_curve(daily, "2026-12-01", "2026-12-05")
    assert curve["labels"] == ["12-01", "12-02", "12-03", "12-04", "12-05"]
    assert curve["actual"] == [6.0, 12.0, 14.0, None, None]
    assert curve["forecast"] == [None, None, 18.0, 24.0, 30.0]
    assert cost_curve([], "2026-12-01", "2026-12-02") == {"labels": ["12-01", "12-02"], "actual": [None, None], "forecast": [0.0, 0.0]}
    with pytest.raises(AnsibleFilterError):
        cost_curve([], "December", "2026-12-31")


def test_age_hours_reads_every_timestamp_form_azure_writes():
    now = "2026-12-07T06:00:00Z"
    assert age_hours("2026-12-06T04:00:00.0000000Z", now) == 26.0  # ARM's seven fraction digits
    assert age_hours("2026-12-07T05:30:00.123456+00:00", now) == pytest.approx(0.4999657)  # PostgreSQL's completedTime
    assert age_hours("2026-12-07T07:00:00+01:00", now) == 0.0
    assert age_hours(None, now) is None and age_hours("yesterday", now) is None
    assert 0 <= age_hours(datetime.datetime.now(datetime.UTC).isoformat()) < 0.01  # the controller's clock
