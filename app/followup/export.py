"""CSV exports of a period's incidents and alarms, for the municipal register and the evaluation.

Semicolon-separated UTF-8 with a byte-order mark (what Dutch spreadsheet programs open
without asking), one header line, then one line per row; a period without data gives the
header alone. Times are Dutch local time with their offset. docs/followup.md lists the
columns; tests/test_followup_export.py keeps that list and these columns the same.

No names, addresses, case references or free text leave the app this way: what the register
and the evaluation count needs none of them (data minimisation).
"""

import csv
import io
import json

from ..clock import LOCAL, parse
from .values import cents_text

YES_NO = {True: "ja", False: "nee", None: ""}


def _local(stored: str | None) -> str:
    return parse(stored).astimezone(LOCAL).isoformat() if stored else ""


def _yes_no(value) -> str:
    return YES_NO[None if value is None else bool(value)]


def _state(row: dict, item: str) -> str:
    return row["states"][item].get("state", "")


INCIDENT_COLUMNS = {
    "id": lambda r: r["id"],
    "gebeurd_op": lambda r: _local(r["occurred_at"]),
    "vorm": lambda r: r["form"],
    "gedragingen": lambda r: "|".join(json.loads(r["behaviours"] or "[]")),
    "plaats": lambda r: r["place_kind"] or "",
    "bezoek_soort": lambda r: r["purpose"] or "",
    "bezoek_vrijwillig": lambda r: _yes_no(r["voluntary"]) if r["purpose"] else "",
    "gevolgen": lambda r: r["consequences"] or "",
    "schade_eigendommen": lambda r: _yes_no(r["property_damage"]),
    "politie_erbij": lambda r: _yes_no(r["police_involved"]),
    "wil_aangifte": lambda r: _yes_no(r["wants_aangifte"]),
    "wil_nazorg": lambda r: _yes_no(r["wants_aftercare"]),
    "reactie": lambda r: r["followup"].get("response_kind") or "",
    "reactie_op": lambda r: _local(r["followup"].get("response_at")),
    "reactie_termijn": lambda r: _state(r, "response"),
    "aangifte": lambda r: r["followup"].get("police_status") or "",
    "aangifte_door": lambda r: r["followup"].get("police_filed_by") or "",
    "aangifte_op": lambda r: r["followup"].get("police_filed_on") or "",
    "aangifte_termijn": lambda r: _state(r, "police"),
    "aangifte_vpt": lambda r: _yes_no(r["followup"].get("police_vpt")),
    "schade_euro": lambda r: cents_text(r["followup"].get("damage_cents")),
    "schade_betaald_euro": lambda r: cents_text(r["followup"].get("damage_paid_cents")),
    "schade_status": lambda r: r["followup"].get("damage_status") or "",
    "nazorggesprekken": lambda r: r["states"]["aftercare"]["talks"],
    "ontbrekende_maatregelen": lambda r: "|".join(
        m["key"] for m in json.loads(r["followup"].get("analysis_missing") or "[]")
    ),
    "protocol_aanpassen": lambda r: _yes_no(r["followup"].get("analysis_protocol_change")),
    "afgesloten_op": lambda r: _local(r["followup"].get("closed_at")),
}

ALARM_COLUMNS = {
    "id": lambda a: a["id"],
    "soort": lambda a: a["kind"],
    "gestart_op": lambda a: _local(a["opened_at"]),
    "bevestigd_op": lambda a: _local(a["acknowledged_at"]),
    "seconden_tot_bevestiging": lambda a: (
        "" if a["ack_seconds"] is None else int(a["ack_seconds"])
    ),
    "afgehandeld_op": lambda a: _local(a["resolved_at"]),
    "uitkomst": lambda a: a["outcome"] or "",
    "klasse": lambda a: a["class"] or "",
    "niveau": lambda a: a["level"],
    "heropend": lambda a: a["reopened"],
    "iemand_bereikt": lambda a: _yes_no(a["reached_someone"]),
    "bezoek_soort": lambda a: a["purpose"] or "",
    "bezoek_vrijwillig": lambda a: _yes_no(a["voluntary"]) if a["purpose"] else "",
}


def to_csv(columns: dict, rows: list[dict]) -> str:
    """Write rows as the export's CSV text (with a byte-order mark)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([value(row) for value in columns.values()])
    return out.getvalue()


def alarms_csv(alarms: list[dict]) -> str:
    """Return the alarms of a period as CSV (alarmstats.team_alarms gives the rows)."""
    return to_csv(ALARM_COLUMNS, alarms)


def incidents_csv(rows: list[dict]) -> str:
    """Return the incidents of a period with their follow-up as CSV."""
    return to_csv(INCIDENT_COLUMNS, rows)
