"""The ways an alarm reaches people: one module per channel, each registered here once.

A channel knows four things: its label (the policy editor), what one fired step makes it send
(`deliveries`: rows for the `deliveries` table), how it sends one of them (`send`), and how
the log and the board describe it (`noun`, `accepted`, `missing` words). The dispatcher and
notify.py only ever talk to a channel through these, so a fourth channel is one module with
a `Channel` subclass and one line in `_REGISTRY`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ...clock import parse
from ...db import rows
from ..push import Result

# A device counts as working when it confirmed a push (its service worker's receipt) lately.
RECENT_RECEIPT = timedelta(days=14)


@dataclass
class Step:
    """One fired step as the channels see it: who it is for and what it is about."""

    app: Flask
    visit: dict
    worker: dict  # the visit's worker (a users row)
    people: list[dict]  # the recipients: users rows, each with its "devices"
    kind: str  # the delivery kind: reminder, overdue, alarm, panic, duress, …
    alarm_id: int | None
    job_id: int | None
    step: int | None
    repeat: int
    moment: str  # now, as stored
    urgency: str
    about: dict | None = None  # for the worker's notices: who saw the alarm, and when

    def row(self, channel: str, *, user_id, host: str, payload: dict, **extra) -> dict:
        """Return one delivery row of this step."""
        return {
            "visit_id": self.visit["id"],
            "alarm_id": self.alarm_id,
            "job_id": self.job_id,
            "user_id": user_id,
            "channel": channel,
            "subscription_id": extra.get("subscription_id"),
            "host": host,
            "kind": self.kind,
            "payload": payload,
            "ttl": extra.get("ttl"),
            "urgency": self.urgency,
        }


class Channel:
    """One way of reaching people; subclasses fill in what differs."""

    name = ""
    label = _l("kanaal")  # the policy editor's checkbox
    noun = _l("bericht")  # "3 push, 1 e-mail, 2 sms" in the log
    accepted = _l("aangenomen")  # what an accepted attempt means for this channel
    personal = True  # reaches people one by one (e-mail goes to the office's mailbox)
    unavailable = _l("niet ingesteld")  # why nothing went out when `available` is False
    missing_words: dict = {}  # code -> words, for `missing`

    def available(self, app: Flask) -> bool:
        """Tell whether the channel is set up at all."""
        return True

    def missing(self, app: Flask, person: dict, moment: datetime) -> str | None:
        """Return a code for why this channel cannot reach the person, or None if it can."""
        return None

    def deliveries(self, step: Step) -> list[dict]:
        """Return the delivery rows this channel makes for a fired step."""
        raise NotImplementedError

    def send(self, app: Flask, row: dict, payload: dict) -> Result:
        """Send one delivery and report the answer (on a sender thread)."""
        raise NotImplementedError

    def record(self, db: Database, row: dict, result: Result, moment: str) -> None:
        """Remember what an answer says about the address (a push device, say)."""

    def expires(self, row: dict, moment: datetime) -> bool:
        """Tell whether a delivery is too old to be worth sending."""
        if not row["ttl"]:
            return False
        return parse(row["created_at"]) + timedelta(seconds=row["ttl"]) < moment


def _registry() -> dict[str, Channel]:
    from .mail import Mail
    from .sms import Sms
    from .webpush import WebPush

    return {channel.name: channel for channel in (WebPush(), Mail(), Sms())}


_REGISTRY: dict[str, Channel] = {}


def all_channels() -> dict[str, Channel]:
    """Return every channel by name, in the order the policy editor shows them."""
    if not _REGISTRY:
        _REGISTRY.update(_registry())
    return _REGISTRY


def get(name: str) -> Channel:
    """Return one channel by name (KeyError for an unknown one)."""
    return all_channels()[name]


def labels() -> dict:
    """Return {name: label} of every channel, for the policy editor."""
    return {name: channel.label for name, channel in all_channels().items()}


def missing_text(code: str) -> str:
    """Return the words for a `missing` code of any channel."""
    for channel in all_channels().values():
        if code in channel.missing_words:
            return str(channel.missing_words[code])
    return code


_KNOWN: ContextVar[dict | None] = ContextVar("vop_known_people", default=None)


@contextmanager
def remembering_people() -> Iterator[None]:
    """Look each person up once in this block: `people` keeps what it read.

    For one firing batch (escalation/firing.py), inside its write transaction: nobody else
    can change a user or a device meanwhile, and firing itself changes neither (answers,
    which do, are recorded in transactions of their own). Fifty alarms of one team then
    read their office's people once instead of fifty times.
    """
    token = _KNOWN.set({})
    try:
        yield
    finally:
        _KNOWN.reset(token)


def people(db: Database, ids: list[int]) -> dict[int, dict]:
    """Return the users with these ids, each with its push devices (`devices`)."""
    remembered = _KNOWN.get()
    known = remembered if remembered is not None else {}
    ids = list(dict.fromkeys(ids))
    wanted = [i for i in ids if i not in known]
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        found = {
            row["id"]: {**row, "devices": []}
            for row in rows(
                db,
                f"select id, display_name, language, phone, role from users where id in ({marks})",
                wanted,
            )
        }
        for sub in rows(
            db, f"select * from push_subscriptions where user_id in ({marks}) order by id", wanted
        ):
            found[sub["user_id"]]["devices"].append(sub)
        known.update({i: found.get(i) for i in wanted})  # None: no such user, also known
    return {i: known[i] for i in ids if known[i] is not None}


def unreachable(app: Flask, persons: list[dict], names: list[str], moment: datetime) -> list[dict]:
    """Return who none of these channels reaches, with why not per channel.

    Only channels that reach people one by one count; a step without any of those (e-mail
    to the office's mailbox alone) reaches no one by name and lists nobody here.
    """
    personal = [get(n) for n in names if n in all_channels() and get(n).personal]
    if not personal:
        return []
    result = []
    for person in persons:
        codes = [channel.missing(app, person, moment) for channel in personal]
        if all(codes):
            result.append(
                {"user_id": person["id"], "name": person["display_name"], "missing": codes}
            )
    return result
