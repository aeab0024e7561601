"""jobs.max_runtime_minutes on Kubernetes: the Job's activeDeadlineSeconds (valid for every Kubernetes
the chart runs on: JobsStandIn checks each Job it is given), and a Job failed by it is reported as
stopped at the limit. No cluster here: the API is tests/deploy/kubernetes/test_jobs.py's JobsStandIn."""

from __future__ import annotations

from campushub.config import validate

from .test_jobs import JobsStandIn, start


def test_the_limit_is_the_jobs_deadline_and_a_job_over_it_failed_saying_so():
    cluster = JobsStandIn()
    config = validate({"kubernetes": {"namespace": "jhub"}, "jobs": {"max_runtime_minutes": 90.5}})
    backend, job = start(cluster, config=config)
    assert cluster.jobs[job.handle]["spec"]["activeDeadlineSeconds"] == 5430
    cluster.jobs[job.handle]["status"] = {"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
         "message": "Job was active longer than specified deadline"}]}
    cluster.pods[job.handle] = []  # the controller deleted its pod
    outcome = backend.poll(job)
    assert outcome.state == "failed" and "longer than the site's limit" in outcome.error
    _, unlimited = start(cluster)
    assert "activeDeadlineSeconds" not in cluster.jobs[unlimited.handle]["spec"]
