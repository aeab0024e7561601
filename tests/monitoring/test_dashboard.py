"""The Grafana dashboard (campushub/deploy/grafana/campushub.json): valid
JSON with a data source variable, every panel has queries on it, and every
series a query names exists: the real hub's (JupyterHub's metrics module, as
installed), CampusHub's collectors, or a standard Kubernetes series listed
in docs/monitoring.md. A misspelt name fails here."""

from __future__ import annotations

from prometheus_client.metrics import MetricWrapperBase

from campushub.analytics.metrics import families as analytics_families
from campushub.assignments.metrics import GRADING_DURATION
from campushub.assignments.metrics import families as assignments_families
from campushub.deploy.local.metrics_cgroups import ServerCgroups

from .promql import dashboard, exposed, expressions, kubernetes_series, metric_names


def known_series() -> set[str]:
    from jupyterhub import metrics

    hub = exposed([f for m in vars(metrics).values() if isinstance(m, MetricWrapperBase) for f in m.describe()])
    ours = exposed([*ServerCgroups(servers=list).describe(), *assignments_families(None),
                    *GRADING_DURATION.describe(), *analytics_families(None)])
    return hub | ours | kubernetes_series()


def unknown(expr: str) -> set[str]:
    return metric_names(expr) - known_series()


def test_every_panel_queries_the_chosen_data_source():
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert len(board["panels"]) >= 9
    for panel in board["panels"]:
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(t["expr"].strip() and t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), panel["title"]


def test_every_series_named_exists():
    board = dashboard()
    named = set().union(*(metric_names(e) for e in expressions(board)))
    assert {"jupyterhub_active_users", "jupyterhub_running_servers", "campushub_group_cpu_seconds_total",
            "container_cpu_usage_seconds_total", "campushub_node_user_servers", "kube_pod_info",
            "campushub_grading_jobs", "campushub_submissions_total",
            "campushub_analytics_executions_recorded_total",
            "jupyterhub_request_duration_seconds_count"} <= named
    assert {e: unknown(e) for e in expressions(board) if unknown(e)} == {}


def test_a_misspelt_series_is_caught():
    assert unknown("sum(rate(jupyterhub_request_duration_seconds_count[5m]))") == set()
    assert unknown('sum(jupyterhub_runing_servers) / campushub_group_memory_byte{group="x"}') == {
        "jupyterhub_runing_servers", "campushub_group_memory_byte"}
    assert unknown("rate(container_cpu_usage_seconds[5m])") == {"container_cpu_usage_seconds"}


def test_the_kubernetes_panels_join_the_pods_group_label():
    board = dashboard()
    by_title = {p["title"]: [t["expr"] for t in p["targets"]] for p in board["panels"]}
    for title in ("CPU by policy group (cores)", "Memory by policy group"):
        local, k8s = by_title[title]
        assert "campushub_group_" in local and "by (group)" in local
        assert "kube_pod_labels" in k8s and "label_campushub_group" in k8s
