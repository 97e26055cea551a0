"""Send queued deliveries on worker threads, so a slow or failing push service never holds up
the escalator or other alarms; write each attempt's result back and retry as needed."""

import heapq
import itertools
import json
import logging
import queue
import threading
from collections import Counter
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Flask
from sqlite_utils import Database

from .. import metrics
from ..clock import iso, now
from ..db import rows, transaction
from . import channels, push, sender, store
from .payloads import ALARM_KINDS
from .sender import SenderProcess

log = logging.getLogger(__name__)
CLAIM_SECONDS = 60  # a claimed delivery whose sender vanished is retried after this
SENDER_MIN_LIFE = 30  # a push sender process that dies sooner counts as failing to start
# Sends in flight per host on this process's sender threads: e-mail, SMS, and push when it
# does not go out from the push sender processes (sender.py, VOP_PUSH_PROCESSES). A push
# service answers in 50-300 ms over the internet, so the number in flight, not that latency,
# sets the pace: 64 at 100 ms is 640 a second. Each sender thread keeps its own HTTP
# connection open (keep-alive), so a send costs no new TCP or TLS handshake.
PER_HOST = 64
SENDER_THREADS = 128
MAX_BACKOFF = 60
MAX_RETRY_AFTER = 600
BATCH = 1000
ALARMS = ALARM_KINDS  # sent before reminders and notices, always
# The claim query's order: alarms first, then by when they were due.
ORDER = f"(d.kind in ({', '.join(repr(k) for k in ALARMS)})) desc, d.next_attempt_at, d.id"


class InlineExecutor(Executor):
    """Run each send at once in the calling thread (tests that want no threads)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller like a pool would
            future.set_exception(exc)
        return future


def backoff(attempts: int) -> float:
    """Return the wait before the next attempt after a failure: 1, 2, 4 … 60 s."""
    return float(min(MAX_BACKOFF, 2 ** max(0, attempts - 1)))


class Dispatcher:
    """Claim due deliveries, send them in a pool, and record the answers.

    Claimed deliveries wait in a queue per host; at most PER_HOST senders work on one host,
    so a slow or stuck push service ties up only its own senders, never the others'.
    """

    def __init__(
        self,
        app: Flask,
        holder: str,
        executor: Executor | None = None,
        *,
        push_processes: int = 0,
    ):
        self.app = app
        self.holder = holder
        self.push_processes = push_processes  # push goes out from this many processes (start)
        self.remotes: list[SenderProcess] = []
        self.retired: list[SenderProcess] = []  # told to stop: joined at shutdown
        self.sender_failures = 0
        self.executor = executor or ThreadPoolExecutor(
            SENDER_THREADS, thread_name_prefix="vop-push"
        )
        self.results: queue.Queue = queue.Queue()
        self.in_flight: dict[int, str] = {}  # claimed and not yet answered: id -> host
        self.queues: dict[str, list] = {}  # per host: a heap of (alarm first, order, row)
        self.senders: dict[str, int] = {}
        self.order = itertools.count()
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the push sender processes, if this dispatcher sends push from them."""
        while self.push_processes and len(self.remotes) < self.push_processes:
            self._new_sender()

    def _new_sender(self, old: SenderProcess | None = None) -> None:
        """Start a push sender process (in place of `old`, which died); after repeated early
        deaths send on threads instead.

        A process that cannot start, or dies within SENDER_MIN_LIFE seconds three times in a
        row, would hold every push back: then this escalator sends push on its own threads
        (slower in a burst, never silent) and says so in the log.
        """
        if old is not None and old in self.remotes:
            self.remotes.remove(old)
            self.sender_failures = self.sender_failures + 1 if old.age() < SENDER_MIN_LIFE else 0
        if not self.push_processes:
            return  # push went over to threads already (another process failed first)
        if self.sender_failures >= 3:
            log.error("The push sender process keeps dying: sending push on threads instead")
            self._push_on_threads()
            return
        try:
            self.remotes.append(SenderProcess(self.app, self._answered))
        except Exception:
            log.exception("The push sender process could not start: sending push on threads")
            self._push_on_threads()

    def _push_on_threads(self) -> None:
        """From now on push goes out on this process's threads; the sender processes still
        running finish what they hold (answered as usual) and stop."""
        self.push_processes = 0
        for remote in self.remotes:
            remote.stop()
        self.retired += self.remotes
        self.remotes = []

    def _queued_per_host(self) -> int:
        """Claimed ahead per host: four rounds of its senders, sent well before claims end."""
        if self.remotes:
            return 4 * sender.PER_HOST * len(self.remotes)
        return 4 * PER_HOST

    def reclaim(self, db: Database, moment: datetime) -> int:
        """Take back what another (dead) escalator had claimed and not answered: send it now.

        Called when this escalator becomes the leader. A message that process did send but
        had not yet recorded goes a second time: a duplicate, never a loss.
        """
        with transaction(db):
            return db.execute(
                "update deliveries set status = 'pending', next_attempt_at = ? "
                "where status = 'sending' and claimed_by is not ?",
                [iso(moment), self.holder],
            ).rowcount

    def busy(self) -> int:
        """Return how many claimed deliveries are still queued or being sent."""
        with self.lock:
            return len(self.in_flight)

    def dispatch(self, db: Database, moment: datetime) -> int:
        """Claim the deliveries that are due and hand them to the senders; return how many."""
        with self.lock:
            hosts = Counter(self.in_flight.values())
        claimed = []
        queued_per_host = self._queued_per_host()
        with transaction(db):
            due = rows(
                db,
                "select d.*, s.endpoint, s.p256dh, s.auth from deliveries d "
                "left join push_subscriptions s on s.id = d.subscription_id "
                "where d.status in ('pending', 'sending') and d.next_attempt_at <= ? "
                f"order by {ORDER} limit ?",
                [iso(moment), BATCH],
            )
            for row in due:
                alarm = row["kind"] in ALARMS
                if row["id"] in self.in_flight:
                    continue
                if hosts[row["host"]] >= queued_per_host and not alarm:
                    continue  # a busy host waits; the others, and any alarm, go ahead
                if self._expired(row, moment):
                    db.execute(
                        "update deliveries set status = 'expired' where id = ?", [row["id"]]
                    )
                    continue
                hosts[row["host"]] += 1
                claimed.append(row)
            claim_ends = iso(moment + timedelta(seconds=CLAIM_SECONDS))
            db.conn.executemany(
                "update deliveries set status = 'sending', claimed_by = ?, "
                "next_attempt_at = ?, attempts = attempts + 1 where id = ?",
                [(self.holder, claim_ends, row["id"]) for row in claimed],
            )
        to_process = bool(self.remotes)
        for row in claimed:
            if not (to_process and row["channel"] == "push"):
                self._enqueue(row)
        if to_process:
            self._hand_over([row for row in claimed if row["channel"] == "push"])
        return len(claimed)

    def _hand_over(self, rows: list[dict]) -> None:
        """Share push deliveries out over the sender processes (a new one for each that
        died): one row each in turn, so a burst keeps every process busy, and each process
        sends the alarms among its share first."""
        if not rows:
            return
        for remote in [r for r in self.remotes if not r.alive()]:
            log.error("A push sender process is gone; starting a new one")
            self._new_sender(remote)
        if not self.remotes:
            for row in rows:
                self._enqueue(row)
            return
        with self.lock:
            for row in rows:
                self.in_flight[row["id"]] = row["host"]
        senders = list(self.remotes)
        for n, remote in enumerate(senders):
            if share := rows[n :: len(senders)]:
                remote.submit(share)

    def _enqueue(self, row: dict) -> None:
        """Queue a claimed delivery for its host, starting a sender if the host has room."""
        host = row["host"]
        rank = (row["kind"] not in ALARMS, next(self.order), row)
        with self.lock:
            self.in_flight[row["id"]] = host
            heapq.heappush(self.queues.setdefault(host, []), rank)
            start = self.senders.get(host, 0) < PER_HOST
            if start:
                self.senders[host] = self.senders.get(host, 0) + 1
        if start:
            self.executor.submit(self._drain, host)

    def _drain(self, host: str) -> None:
        """Send a host's queued deliveries one after another (on a sender thread)."""
        while True:
            with self.lock:
                waiting = self.queues.get(host)
                if not waiting:
                    self.senders[host] -= 1
                    return
                row = heapq.heappop(waiting)[2]
            self._send(row)

    @staticmethod
    def _expired(row: dict, moment: datetime) -> bool:
        """A message past its TTL would be dropped (or be of no use) anyway."""
        return channels.get(row["channel"]).expires(row, moment)

    def _send(self, row: dict) -> None:
        """Send one delivery through its channel (on a sender thread) and queue the answer."""
        try:
            payload = json.loads(row["payload"])
            result = channels.get(row["channel"]).send(self.app, row, payload)
        except Exception as exc:  # a bug in one send must not lose the delivery
            log.exception("Delivery %s failed unexpectedly", row["id"])
            result = push.Result("retry", error=type(exc).__name__)
        self._answered(row, result)

    def _answered(self, row: dict, result: push.Result) -> None:
        """Queue an answer for `collect` (from a sender thread or the sender process)."""
        self.results.put((row, result))
        with self.lock:  # answered: until recorded, its claim keeps it from being sent again
            self.in_flight.pop(row["id"], None)

    def collect(self, db: Database) -> int:
        """Write the answers received since the last call; return how many."""
        answers = []
        while True:
            try:
                answers.append(self.results.get_nowait())
            except queue.Empty:
                break
        if not answers:
            return 0
        with transaction(db):
            for row, result in answers:
                _record(db, row, result)
        return len(answers)

    def shutdown(self) -> None:
        """Wait for the sends under way."""
        for remote in self.remotes:
            remote.stop()  # all of them finish at once, then each is waited for
        for remote in self.remotes + self.retired:
            remote.close()
        self.executor.shutdown(wait=True)


def _record(db: Database, row: dict, result: push.Result) -> None:
    """Store one attempt's answer on the delivery and in the alarm log."""
    metrics.SENDS.labels(row["channel"], result.outcome).inc()
    moment = now()
    status, next_at = (
        {"accepted": "sent", "gone": "gone", "refused": "failed"}.get(result.outcome, "pending"),
        None,
    )
    if result.outcome == "retry":
        wait = (
            result.retry_after if result.retry_after is not None else backoff(row["attempts"] + 1)
        )
        next_at = iso(moment + timedelta(seconds=min(wait, MAX_RETRY_AFTER)))
    db.execute(
        "update deliveries set status = ?, next_attempt_at = coalesce(?, next_attempt_at), "
        "sent_at = ?, last_status = ?, last_error = ? "
        "where id = ? and status in ('sending', 'pending')",
        [
            status,
            next_at,
            iso(moment) if status == "sent" else None,
            result.status,
            result.error,
            row["id"],
        ],
    )
    channels.get(row["channel"]).record(db, row, result, iso(moment))
    if row["visit_id"] is not None or row["alarm_id"] is not None:
        store.log_event(
            db,
            row["visit_id"],
            "delivery",
            alarm_id=row["alarm_id"],
            detail={
                "delivery": row["id"],
                "channel": row["channel"],
                "kind": row["kind"],
                "user_id": row["user_id"],
                "host": row["host"],
                "outcome": result.outcome,
                "status": result.status,
                "attempt": row["attempts"] + 1,
                "retry_at": next_at,
                "error": result.error,
            },
        )
