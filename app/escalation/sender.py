"""Send push messages from processes of their own, each on one asyncio loop.

Why processes: encrypting, signing and posting a push costs about 0.8 ms of CPU (the
elliptic-curve key agreement of aes128gcm alone about 0.2 ms), firing the step that made it
about 0.3 ms. In one process they share one interpreter lock, and 128 sender threads
fighting for it tripled the cost of each send (measured: 2.3 ms per send at 128 threads
against 0.8 ms on one). Here the escalator fires, claims and records; its sender processes
(VOP_PUSH_PROCESSES, two by default) only send, and a burst is shared out between them, so
sending is not held to one core. Why asyncio: hundreds of sends in flight cost nothing but
sockets, so a push service that takes 100 ms to answer still takes 2 x PER_HOST / 0.1 s =
2,560 sends a second, where threads would run out of CPU first.

The escalator hands claimed push deliveries over a pipe (`SenderProcess.submit`) and gets
each answer back (`push.Result`); it records them as before (dispatch.py). If a sender
process dies, every delivery it held is answered "retry" and a new process takes its place;
if the escalator dies (kill -9), its sender processes notice within half a second and stop:
what they held is sent again by the next escalator (a duplicate, never a loss).
"""

import asyncio
import heapq
import itertools
import json
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import aiohttp
from flask import Flask

from . import push
from .payloads import ALARM_KINDS

log = logging.getLogger(__name__)
PER_HOST = 128  # sends in flight per push-service host, in each sender process
FLUSH_SECONDS = 0.005  # answers go back in small batches, at most this much later
WATCH_SECONDS = 0.5  # how often the process checks that its escalator still runs
STOPPED = push.Result("retry", error="sender process stopped")
# What the process needs of a delivery row to send it (the rest stays with the escalator).
SENT = ("id", "kind", "host", "payload", "endpoint", "p256dh", "auth", "ttl", "urgency")


def _config(app: Flask) -> dict:
    """The app's settings that can travel to another process (all of them, in practice)."""
    found = {}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - a setting that cannot travel stays behind
            continue
        found[key] = value
    return found


class SenderProcess:
    """The escalator's side: start the process, hand it deliveries, pass its answers on."""

    def __init__(self, app: Flask, answered: Callable[[dict, push.Result], None]):
        self.answered = answered
        context = multiprocessing.get_context("spawn")  # safe beside the escalator's threads
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=main, args=(_config(app), theirs, os.getpid()), name="vop-push", daemon=True
        )
        self.process.start()
        self.started = time.monotonic()
        theirs.close()
        self.lock = threading.Lock()
        self.held: dict[int, dict] = {}  # handed over and not yet answered: id -> row
        self.gone = False  # the process stopped and its pipe is closed
        self.stopping = False  # asked to finish (stop)
        self.outbox: queue.Queue = queue.Queue()  # a slow start never blocks the escalator
        threading.Thread(target=self._write, name="vop-push-out", daemon=True).start()
        self.reader = threading.Thread(target=self._read, name="vop-push-in", daemon=True)
        self.reader.start()

    def alive(self) -> bool:
        return self.process.is_alive()

    def age(self) -> float:
        """Seconds since the process was started."""
        return time.monotonic() - self.started

    def submit(self, rows: list[dict]) -> None:
        """Hand claimed push deliveries to the process (never blocks)."""
        with self.lock:
            gone = self.gone or self.stopping
            if not gone:
                for row in rows:
                    self.held[row["id"]] = row
        if gone:  # it died after the last look: these go again too
            for row in rows:
                self.answered(row, STOPPED)
            return
        self.outbox.put([{key: row[key] for key in SENT} for row in rows])

    def _write(self) -> None:
        while True:
            rows = self.outbox.get()
            try:
                self.conn.send(rows)  # None: finish what you hold, answer it, and stop
            except (OSError, ValueError):
                return  # the process is gone: _read answers what it held
            if rows is None:
                return

    def _read(self) -> None:
        while True:
            try:
                answers = self.conn.recv()
            except (EOFError, OSError):
                break
            for row_id, result in answers:
                with self.lock:
                    row = self.held.pop(row_id, None)
                if row is not None:
                    self.answered(row, result)
        with self.lock:  # the process stopped: what it held goes again, from a new one
            left, self.held, self.gone = list(self.held.values()), {}, True
        if left:
            log.error("The push sender process stopped with %s messages unanswered", len(left))
        for row in left:
            self.answered(row, STOPPED)

    def stop(self) -> None:
        """Ask the process to finish and answer what it holds, then stop (no waiting)."""
        if not self.stopping:
            self.stopping = True
            self.outbox.put(None)

    def close(self, timeout: float = 15) -> None:
        """Let the process finish and answer what it holds, then wait for it to stop."""
        self.stop()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.reader.join(5)


def main(config: dict, conn: Connection, escalator_pid: int) -> None:
    """The sender process: an app for the settings and keys, and the loop."""
    from .. import create_app

    # Ctrl-C and systemd's stop reach every process of the group: the escalator stops this
    # one itself, after the sends under way are answered and recorded.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    app = create_app(config)
    asyncio.run(_Loop(app, conn, escalator_pid).run())


class _Loop:
    """Per host a queue (alarms first, then in order of arrival) and up to PER_HOST senders."""

    def __init__(self, app: Flask, conn: Connection, escalator_pid: int):
        self.app, self.conn, self.escalator_pid = app, conn, escalator_pid
        self.queues: dict[str, list] = {}
        self.senders: dict[str, int] = {}
        self.tasks: set[asyncio.Task] = set()
        self.order = itertools.count()
        self.answers: list[tuple[int, push.Result]] = []

    async def run(self) -> None:
        from .channels import get

        self.webpush = get("push")
        self.done = asyncio.Event()
        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=PER_HOST)
        async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
            self.session = session
            loop.add_reader(self.conn.fileno(), self._receive)
            watch = asyncio.create_task(self._watch())
            await self.done.wait()
            loop.remove_reader(self.conn.fileno())
            while self.tasks:  # the escalator asked to stop: finish what is under way
                await asyncio.wait(set(self.tasks))
            watch.cancel()
        self._send_answers()
        self.conn.close()

    def _receive(self) -> None:
        try:
            rows = self.conn.recv()
        except (EOFError, OSError):
            self._orphaned()  # the escalator's end closed: it died
        if rows is None:  # the escalator stops: finish and answer what is under way
            self.done.set()
            return
        for row in rows:
            rank = (row["kind"] not in ALARM_KINDS, next(self.order), row)
            heapq.heappush(self.queues.setdefault(row["host"], []), rank)
        for host in {row["host"] for row in rows}:
            while self.senders.get(host, 0) < PER_HOST and self.queues[host]:
                self.senders[host] = self.senders.get(host, 0) + 1
                task = asyncio.create_task(self._drain(host))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def _drain(self, host: str) -> None:
        waiting = self.queues[host]
        try:
            while waiting:
                row = heapq.heappop(waiting)[2]
                try:
                    payload = json.loads(row["payload"])
                    result = await self.webpush.send_async(self.app, self.session, row, payload)
                except Exception as exc:  # a bug in one send must not lose the delivery
                    log.exception("Delivery %s failed unexpectedly", row["id"])
                    result = push.Result("retry", error=type(exc).__name__)
                if not self.answers:  # the first since the last batch: send them soon
                    asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._send_answers)
                self.answers.append((row["id"], result))
        finally:
            self.senders[host] -= 1

    def _send_answers(self) -> None:
        if self.answers:
            answers, self.answers = self.answers, []
            self.conn.send(answers)

    async def _watch(self) -> None:
        while os.getppid() == self.escalator_pid:
            await asyncio.sleep(WATCH_SECONDS)
        self._orphaned()

    @staticmethod
    def _orphaned() -> None:
        """The escalator died (kill -9, a crash): stop at once, sending nothing more.

        Nobody would record the answers: the next escalator sends again all that this one
        had claimed, so every send from here on would only be one more duplicate.
        """
        log.error("The escalator stopped without a word: this push sender stops too")
        os._exit(1)
