"""Prometheus metrics at /metrics: what the escalation does, what the phones send, what waits.

Counters and histograms are written by every process of the app (the web server's workers and
the escalator) into files under VOP_DATA_DIR/metrics (prometheus_client's multiprocess mode),
so one scrape sees them all. What the database holds (open alarms, deliveries waiting, steps
overdue, the escalator's last tick) is read at scrape time. /metrics answers loopback callers
without a token (not through a proxy), anyone else only with `Authorization: Bearer
<VOP_METRICS_TOKEN>`.
"""

import hmac
import os
from pathlib import Path

from .config import instance_path

# prometheus_client chooses its multiprocess mode when it is imported: set the folder first.
FOLDER = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(instance_path()) / "metrics"))
)
FOLDER.mkdir(parents=True, exist_ok=True)

from flask import Blueprint, Response, abort, current_app, request  # noqa: E402
from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402

bp = Blueprint("metrics", __name__)

TICKS = Counter("vop_escalator_ticks", "Ticks the leading escalator completed")
FIRED = Counter("vop_escalation_fired", "Escalation jobs fired", ["kind"])
LAG = Histogram(
    "vop_escalation_lag_seconds",
    "From a job's due time to its firing",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
SENDS = Counter("vop_sends", "Answers of push services and mail servers", ["channel", "outcome"])
SYNC_ITEMS = Counter("vop_sync_items", "Outbox items received at /sync", ["kind", "outcome"])


def forget_dead_processes() -> None:
    """Remove the metric files of processes that no longer run (their counts start again)."""
    for path in FOLDER.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DatabaseCollector:
    """What waits in the database, read when /metrics is scraped."""

    def collect(self):
        from .clock import iso, now
        from .db import connect

        db = connect(current_app.config["DATABASE"])
        try:
            moment = now()
            alarms = GaugeMetricFamily(
                "vop_open_alarms", "Alarms not yet resolved", labels=["kind"]
            )
            for kind, count in db.execute(
                "select kind, count(*) from alarms where status != 'resolved' group by kind"
            ):
                alarms.add_metric([kind], count)
            yield alarms
            waiting = GaugeMetricFamily(
                "vop_deliveries_waiting", "Messages not yet answered", labels=["channel"]
            )
            for channel, count in db.execute(
                "select channel, count(*) from deliveries "
                "where status in ('pending', 'sending') group by channel"
            ):
                waiting.add_metric([channel], count)
            yield waiting
            overdue = db.execute(
                "select count(*) from escalation_jobs where status = 'pending' and due_at < ?",
                [iso(moment)],
            ).fetchone()[0]
            yield GaugeMetricFamily(
                "vop_escalation_jobs_overdue", "Jobs past their due time, not fired", value=overdue
            )
            row = db.execute("select last_tick_at from escalator_lease").fetchone()
            if row and row[0]:
                from .clock import parse

                age = (moment - parse(row[0])).total_seconds()
                yield GaugeMetricFamily(
                    "vop_escalator_last_tick_age_seconds", "Since the last completed tick", age
                )
        finally:
            db.conn.close()


def _allowed() -> bool:
    """Loopback callers (not through a proxy) freely; others with the bearer token."""
    token = current_app.config.get("VOP_METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given, f"Bearer {token}"):
        return True
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return request.remote_addr in ("127.0.0.1", "::1") and not proxied


@bp.get("/metrics")
def scrape():
    """Answer a Prometheus scrape."""
    if not _allowed():
        abort(403)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(FOLDER))
    registry.register(DatabaseCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
