"""An outside heartbeat: the escalator calls a monitor's URL while it ticks.

Uptime monitors (Uptime Kuma's push monitors, healthchecks.io, Cronitor) raise their own
alarm when the calls stop. So a dead or stuck escalator is noticed from outside even when the
app itself can no longer alarm anyone. The call is made on its own thread: a slow monitor
never holds up a tick, and it is only made while ticks are completing.
"""

import logging
import threading
import time

import requests

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 5)


class Heartbeat:
    """Call `url` every `every` seconds while the escalator's ticks keep completing."""

    def __init__(self, url: str, every: float, fresh: float):
        self.url, self.every, self.fresh = url, every, fresh
        self.last_tick = 0.0  # time.monotonic() of the last completed tick
        self.calls = 0
        self.stopping = threading.Event()
        self.session = requests.Session()
        self.session.trust_env = False
        self.thread = threading.Thread(target=self._run, name="vop-heartbeat", daemon=True)

    def ticked(self) -> None:
        """Note a completed tick (called by the escalator)."""
        self.last_tick = time.monotonic()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def beat(self) -> bool:
        """Call the monitor if a tick completed lately; return whether it was called."""
        if time.monotonic() - self.last_tick > self.fresh:
            return False  # no tick completed lately: silence is the message
        try:
            self.session.get(self.url, timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as error:
            log.warning("Heartbeat to the monitor failed: %s", type(error).__name__)
            return False
        self.calls += 1
        return True

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            self.beat()
