"""The escalator: one leader at a time (a lease row in SQLite) ticks at most a second apart,
fires the steps that are due and hands their deliveries to the senders.

Every deadline lives in the database, so a restarted or second process finds it; a step whose
time passed while no escalator ran fires at once and is logged as late.
"""

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import Executor
from datetime import timedelta

from flask import Flask
from sqlite_utils import Database

from .. import housekeeping, metrics
from ..clock import iso, now, parse
from ..db import connect, transaction, writer_waiting
from .dispatch import Dispatcher
from .firing import BATCH as FIRE_BATCH
from .firing import fire_due
from .heartbeat import Heartbeat

log = logging.getLogger(__name__)
LEASE = "escalator"
LEASE_SECONDS = 5  # a leader that stops renewing is replaced after this
HEALTHY_SECONDS = 10  # /healthz answers 503 "degraded" after this long without a tick
BURST_PAUSE = 0.025  # between a burst's batches while a writer waits (_next_wait)


def _gone(holder: str) -> bool:
    """Tell whether a lease holder was a process of this machine that no longer runs."""
    host, _sep, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's: only its lease's end tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_lease(db: Database, holder: str, moment) -> bool:
    """Become or stay the leader unless another holder's lease is still valid.

    A holder that was a process of this machine and has died (kill -9, a crash) is replaced
    at once instead of after its lease: its alarms must not wait.
    """
    with transaction(db):
        row = db.execute(
            "select holder, expires_at from escalator_lease where name = ?", [LEASE]
        ).fetchone()
        held = row and row[0] != holder and row[1] and row[1] > iso(moment)
        if held and not _gone(row[0]):
            return False
        db.execute(
            "insert into escalator_lease (name, holder, expires_at) values (?, ?, ?) "
            "on conflict(name) do update set holder = excluded.holder, "
            "expires_at = excluded.expires_at",
            [LEASE, holder, iso(moment + timedelta(seconds=LEASE_SECONDS))],
        )
    return True


def release_lease(db: Database, holder: str) -> None:
    """Give up the lease at once, so a standby escalator takes over without waiting."""
    db.execute(
        "update escalator_lease set expires_at = null where name = ? and holder = ?",
        [LEASE, holder],
    )


def heartbeat(db: Database) -> dict:
    """Return the escalator's state for /healthz: alive, and the last completed tick."""
    row = db.execute("select last_tick_at from escalator_lease where name = ?", [LEASE]).fetchone()
    last = row[0] if row else None
    alive = bool(last) and (now() - parse(last)).total_seconds() <= HEALTHY_SECONDS
    return {"alive": alive, "last_tick": last}


class Escalator:
    """One escalation worker; several may run on one database, one of them leads."""

    def __init__(self, app: Flask, *, holder: str | None = None, executor: Executor | None = None):
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Push from processes of its own (sender.py) unless a test hands in its own executor.
        self.dispatcher = Dispatcher(
            app,
            self.holder,
            executor,
            push_processes=0 if executor is not None else app.config["VOP_PUSH_PROCESSES"],
        )
        self.tick_seconds = min(1.0, float(app.config["VOP_ESCALATOR_TICK_SECONDS"]))
        self.stopping = threading.Event()
        self._db: Database | None = None
        self._next_prune = None  # the first tick prunes
        self.leading = False
        self.heartbeat = None
        if app.config.get("VOP_HEARTBEAT_URL"):
            self.heartbeat = Heartbeat(
                app.config["VOP_HEARTBEAT_URL"],
                float(app.config["VOP_HEARTBEAT_SECONDS"]),
                fresh=HEALTHY_SECONDS,
            )
        self.thread: threading.Thread | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = connect(self.app.config["DATABASE"])
        return self._db

    def tick(self) -> dict:
        """Run one round: hold the lease, fire due steps, send due deliveries, record answers."""
        with self.app.app_context():
            moment = now()
            if not take_lease(self.db, self.holder, moment):
                self.leading = False
                return {"leader": False}
            if not self.leading:  # taking over: what a dead leader had claimed goes again
                self.leading = True
                self.dispatcher.reclaim(self.db, moment)
            answered = self.dispatcher.collect(self.db)
            fired = fire_due(self.db, moment, self.holder)
            sent = self.dispatcher.dispatch(self.db, moment)
            answered += self.dispatcher.collect(self.db)
            self.db.execute(
                "update escalator_lease set last_tick_at = ? where name = ? and holder = ?",
                [iso(now()), LEASE, self.holder],
            )
            metrics.TICKS.inc()
            if self.heartbeat is not None:
                self.heartbeat.ticked()
            pruned, purged = self._housekeeping(moment)
            return {
                "leader": True,
                "fired": fired,
                "sent": sent,
                "answered": answered,
                "pruned": pruned,
                "purged": purged,
            }

    def _housekeeping(self, moment) -> tuple[dict | None, dict | None]:
        """Prune old rows once an hour and, once a day, purge what is past retention.

        A failure is logged and never stops the escalation; the next try is in an hour.
        """
        if self._next_prune is not None and moment < self._next_prune:
            return None, None
        self._next_prune = moment + housekeeping.EVERY
        pruned = purged = None
        try:
            with transaction(self.db):
                pruned = housekeeping.prune(self.db, moment)
        except Exception:
            log.exception("Pruning old rows failed; the next try is in an hour")
        try:
            if housekeeping.purge_due(self.db, moment):
                purged = housekeeping.purge(self.db, moment)
        except Exception:
            log.exception("The retention purge failed; the next try is in an hour")
        return pruned, purged

    def wait_idle(self, timeout: float = 10) -> None:
        """Wait until every send under way has answered, and record the answers (tests)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while self.dispatcher.busy() and not deadline.is_set():
                if not self.dispatcher.results.empty():
                    with self.app.app_context():
                        self.dispatcher.collect(self.db)
                deadline.wait(0.01)
            with self.app.app_context():
                self.dispatcher.collect(self.db)
        finally:
            timer.cancel()

    def _next_wait(self, round_: dict) -> float:
        """Sleep until the next job or retry is due, but never longer than one tick.

        While a burst lasts (the last round fired a full batch) the next round starts at
        once, or after BURST_PAUSE when another writer was kept waiting for the lock (a
        panic, a check-out from the web server: db.writer_waiting), so that it gets its
        turn. With answers to record, the next round starts at once.
        """
        if round_.get("fired") == FIRE_BATCH:
            return BURST_PAUSE if writer_waiting(self.db) else 0.0
        if not self.dispatcher.results.empty():
            return 0.0
        with self.app.app_context():
            moment = now()
            soonest = self.db.execute(
                "select min(m) from (select min(due_at) as m from escalation_jobs "
                "where status = 'pending' union all select min(next_attempt_at) from deliveries "
                "where status in ('pending', 'sending'))"
            ).fetchone()[0]
        wait = self.tick_seconds
        if soonest:
            wait = min(wait, (parse(soonest) - moment).total_seconds())
        return max(0.05, wait)

    def run(self) -> None:
        """Tick until stopped."""
        log.info("Escalator %s started", self.holder)
        self.dispatcher.start()
        if self.heartbeat is not None:
            self.heartbeat.start()
        while not self.stopping.is_set():
            try:
                wait = self._next_wait(self.tick())
            except Exception:  # keep escalating: log, pause briefly, try again
                log.exception("Escalator tick failed")
                wait = self.tick_seconds
            self.stopping.wait(wait)
        if self.heartbeat is not None:
            self.heartbeat.stop()
        self.dispatcher.shutdown()
        try:
            with self.app.app_context():
                self.dispatcher.collect(self.db)
                release_lease(self.db, self.holder)
        except Exception:
            log.exception("Escalator could not hand over cleanly")
        log.info("Escalator %s stopped", self.holder)

    def start(self) -> threading.Thread:
        """Run in a background thread of this process (for `flask serve` / `make run`)."""
        self.thread = threading.Thread(target=self.run, name="vop-escalator", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self, timeout: float = 15) -> None:
        """Ask the loop to stop and wait for it."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)
