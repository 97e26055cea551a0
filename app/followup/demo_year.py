"""A realistic year of demo incidents and alarms (`flask --app app seed-demo-year`).

Only into the demo organisation (`Wijkteam Demo`), only once, and every row it makes is
listed in `demo_marks` and starts its text with "[DEMO]", so the follow-up pages and the
printed report say plainly that they show demo data. The figures follow what municipal teams
report: mostly verbal aggression on weekdays in office hours, a response within 48 hours for
most incidents, police reports for most physical violence, a dozen alarms a month of which
most are missed check-outs of a worker who was fine.
"""

import json
import random
import uuid
from datetime import datetime, timedelta

from sqlite_utils import Database

from .. import demo
from ..clock import iso, now
from ..db import transaction
from ..escalation import store as log
from . import store
from .demo_alarms import MARK, office_hours, pick, seed_alarms
from .demo_followup import followup

DAYS = 365
INCIDENTS = 64
STORIES = {
    "verbal": ("insult", "Burger schold de medewerker uit na een afgewezen aanvraag."),
    "threat": ("intimidation", "Burger dreigde de medewerker op te wachten na het gesprek."),
    "physical": ("grab_push_pull", "Burger duwde de medewerker weg bij de voordeur."),
}
PLACES = [("home_visit", 44), ("counter", 22), ("phone", 15), ("business_visit", 9)]
PLACES += [("mail", 5), ("social_media", 3), ("public_space", 2)]
PURPOSES = [(1, "kitchen_table"), (1, "intake"), (1, "guidance"), (0, "enforcement")]
PURPOSES += [(0, "bemoeizorg"), (0, "removal")]


class NotDemo(Exception):
    """The database has no demo organisation, or it already has its demo year."""


def count(db: Database, team_id: int | None) -> int:
    """Count the demo incidents of a team (0 for a real team)."""
    if team_id is None:
        return 0
    return db.execute(
        "select count(*) from demo_marks m join incidents i on i.id = m.row_id "
        "where m.table_name = 'incidents' and i.team_id = ?",
        [team_id],
    ).fetchone()[0]


class Seeder:
    """Writes the demo year for one team, marking every row."""

    def __init__(self, db: Database, moment: datetime, seed: int):
        self.db, self.moment, self.rng = db, moment, random.Random(seed)
        ids = {
            u: db.execute("select id from users where username = ?", [u]).fetchone()[0]
            for u, *_r in demo.DEMO_USERS
        }
        self.worker, self.office = ids["demo-medewerker"], ids["demo-kantoor"]
        self.coordinator = ids["demo-coordinator"]
        self.team = db.execute("select team_id from users where id = ?", [self.worker]).fetchone()[
            0
        ]
        self.made = {"incidents": 0, "alarms": 0, "visits": 0}
        self.choices = store.analysis_choices(db, self.team)

    def mark(self, table: str, row_id: int) -> int:
        self.db["demo_marks"].insert(
            {"table_name": table, "row_id": row_id, "created_at": iso(self.moment)}
        )
        self.made[table] += 1
        return row_id

    def visit(self, start: datetime, minutes: int = 45) -> int:
        voluntary, purpose = self.rng.choice(PURPOSES)
        number = str(self.rng.randrange(1, 120))
        row = {
            "team_id": self.team,
            "worker_id": self.worker,
            "created_by": self.worker,
            "created_at": iso(start - timedelta(days=2)),
            "street": "Demostraat",
            "house_number": number,
            "postcode": "3511AB",
            "city": "Utrecht",
            "address_key": f"3511AB|{number}",
            "location_type": "home",
            "voluntary": voluntary,
            "purpose": purpose,
            "planned_start": iso(start),
            "expected_minutes": minutes,
            "note": f"{MARK} demobezoek",
            "status": "ended",
            "checked_in_at": iso(start),
            "due_at": iso(start + timedelta(minutes=minutes)),
            "checked_out_at": iso(start + timedelta(minutes=minutes + self.rng.randrange(0, 20))),
        }
        visit_id = self.mark("visits", self.db["visits"].insert(row).last_pk)
        log.log_event(
            self.db,
            visit_id,
            "checked_in",
            actor_id=self.worker,
            at=start,
            detail={"due_at": row["due_at"]},
        )
        return visit_id

    def incident(self, when: datetime, number: int) -> None:
        rng = self.rng
        form = pick(rng, [("verbal", 60), ("threat", 28), ("physical", 12)])
        behaviour, story = STORIES[form]
        place = pick(rng, PLACES)
        visit_id = self.visit(when - timedelta(minutes=20)) if place.endswith("_visit") else None
        number_at = str(rng.randrange(1, 120))
        row = {
            "client_id": str(uuid.uuid4()),
            "team_id": self.team,
            "reporter_id": self.worker,
            "visit_id": visit_id,
            "occurred_at": iso(when),
            "place_kind": place,
            "street": "Demostraat",
            "house_number": number_at,
            "postcode": "3511AB",
            "city": "Utrecht",
            "address_key": f"3511AB|{number_at}",
            "case_ref": f"DEMO-{number:04d}",
            "perpetrator_kind": "case_ref",
            "form": form,
            "behaviours": json.dumps([behaviour]),
            "description": f"{MARK} {story}",
            "consequences": pick(
                rng, [("none", 50), ("emotional", 35), ("injury", 8), ("sick_leave", 7)]
            ),
            "property_damage": int(form == "physical" and rng.random() < 0.4),
            "police_involved": int(form == "physical" and rng.random() < 0.5),
            "wants_aangifte": int(
                rng.random() < {"verbal": 0.05, "threat": 0.4, "physical": 0.75}[form]
            ),
            "wants_aftercare": int(rng.random() < 0.4),
            "received_at": iso(when + timedelta(minutes=rng.randrange(5, 240))),
        }
        incident_id = self.mark("incidents", self.db["incidents"].insert(row).last_pk)
        followup({**row, "id": incident_id}, when, self)


def seed(db: Database, moment: datetime | None = None, seed: int = 2026) -> dict[str, int]:
    """Write a year of demo incidents, follow-up, flags and alarms; return what was made."""
    team = db.execute("select id from teams where name = ?", [demo.DEMO_TEAM]).fetchone()
    usernames = [u for u, *_rest in demo.DEMO_USERS]
    marks = ", ".join("?" for _ in usernames)
    found = db.execute(f"select count(*) from users where username in ({marks})", usernames)
    if team is None or found.fetchone()[0] != len(usernames):
        raise NotDemo("Geen demo-organisatie in deze database: het demojaar hoort alleen daarin.")
    if count(db, team[0]):
        raise NotDemo("Het demoteam heeft zijn demojaar al.")
    seeder = Seeder(db, moment or now(), seed)
    with transaction(db):
        for number in range(1, INCIDENTS + 1):
            days_back = number - 1 if number <= 2 else seeder.rng.randrange(3, DAYS)
            seeder.incident(office_hours(seeder.rng, seeder.moment, days_back), number)
        seed_alarms(seeder, DAYS)
    return seeder.made
