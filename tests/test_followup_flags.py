"""Warning flags on an address or case: shown in the next risk assessment until they expire."""

from datetime import UTC, datetime

import pytest
from markupsafe import escape

from app.clock import LOCAL

from .factories import make_visit

FLAG = {
    "kind": "contact_ban",
    "postcode": "3511 ab",
    "house_number": "12",
    "case_ref": "",
    "starts_on": "2026-11-02",
    "ends_on": "2026-11-30",
    "reason": "Bedreigde de medewerker tijdens een huisbezoek.",
    "notice_on": "2026-11-02",
    "notice_method": "registered_letter",
}


def flags(db) -> list[dict]:
    return list(db.query("select * from address_measures order by id"))


def risk_page(client, auth, db, **visit) -> str:
    """Sign in as the worker and open the risk assessment of a new visit."""
    auth.logout()
    auth.login("demo-medewerker")
    visit_id = make_visit(db, assessed=False, **visit)
    return client.get(f"/bezoeken/{visit_id}/inschatting").get_data(as_text=True)


def test_a_flag_shows_in_the_next_risk_assessment_and_vanishes_after_expiry(
    client, auth, db, clock
):
    auth.login("demo-coordinator")
    response = auth.post("/opvolging/signaleringen", FLAG)
    assert response.status_code == 303
    [flag] = flags(db)
    assert (flag["address_key"], flag["kind"], flag["notice_method"]) == (
        "3511AB|12",
        "contact_ban",
        "registered_letter",
    )
    page = risk_page(client, auth, db)
    assert "Contactverbod · sinds 2026-11-02 tot en met 2026-11-30" in page
    # The register answers "active measure: yes", and the worker cannot undo it.
    assert 'name="a-active_measures" value="yes" checked disabled' in page
    # Still there on its last day (local time), gone the day after.
    clock.moment = datetime(2026, 11, 30, 23, 30, tzinfo=LOCAL).astimezone(UTC)
    assert "Contactverbod · sinds 2026-11-02" in risk_page(client, auth, db)
    clock.moment = datetime(2026, 12, 1, 0, 30, tzinfo=LOCAL).astimezone(UTC)
    page = risk_page(client, auth, db)
    assert "Contactverbod" not in page
    assert "Geen eerdere incidenten of actieve maatregelen bekend." in page


def test_a_flag_on_a_case_reference_follows_the_case_to_another_address(client, auth, db):
    auth.login("demo-coordinator")
    data = FLAG | {"postcode": "", "house_number": "", "case_ref": "Z-2026-77", "kind": "warning"}
    assert auth.post("/opvolging/signaleringen", data).status_code == 303
    page = risk_page(client, auth, db, postcode="1011AB", house_number="3", case_ref="Z-2026-77")
    assert "Waarschuwing · sinds 2026-11-02 tot en met 2026-11-30" in page
    assert "Waarschuwing" not in risk_page(client, auth, db, postcode="1011AB", house_number="3")


def test_ending_a_flag_early_takes_it_away_at_once(client, auth, db):
    auth.login("demo-coordinator")
    auth.post("/opvolging/signaleringen", FLAG)
    [flag] = flags(db)
    response = auth.post(f"/opvolging/signaleringen/{flag['id']}/beeindigen", {"end_reason": ""})
    assert response.status_code == 422
    assert "Schrijf waarom de maatregel eerder stopt." in response.get_data(as_text=True)
    assert flags(db)[0]["ended_on"] is None
    reason = {"end_reason": "Excuses aangeboden in een incidentgesprek."}
    assert (
        auth.post(f"/opvolging/signaleringen/{flag['id']}/beeindigen", reason).status_code == 303
    )
    ended = flags(db)[0]
    assert (ended["ended_on"], ended["end_reason"]) == ("2026-11-02", reason["end_reason"])
    assert "Contactverbod" not in risk_page(client, auth, db)
    actions = [r[0] for r in db.execute("select action from audit_log where object_type = 'flag'")]
    assert actions == ["flag.create", "flag.end", "flag.end"]


def test_a_flag_without_notice_is_incomplete_until_the_notice_is_recorded(client, auth, db):
    auth.login("demo-coordinator")
    data = FLAG | {"notice_on": "", "notice_method": ""}
    assert auth.post("/opvolging/signaleringen", data).status_code == 303
    [flag] = flags(db)
    page = client.get("/opvolging/signaleringen").get_data(as_text=True)
    assert f'data-flag-id="{flag["id"]}" data-incomplete' in page
    assert "Onvolledig: burger niet ingelicht" in page
    assert "1 signalering zonder kennisgeving aan de burger" in client.get("/").get_data(
        as_text=True
    )
    late = {"notice_on": "2026-12-01", "notice_method": "letter"}
    response = auth.post(f"/opvolging/signaleringen/{flag['id']}/kennisgeving", late)
    assert response.status_code == 422 and flags(db)[0]["notice_on"] is None
    notice = {"notice_on": "2026-11-02", "notice_method": "in_person"}
    assert (
        auth.post(f"/opvolging/signaleringen/{flag['id']}/kennisgeving", notice).status_code == 303
    )
    assert (flags(db)[0]["notice_on"], flags(db)[0]["notice_method"]) == (
        "2026-11-02",
        "in_person",
    )
    assert "data-incomplete" not in client.get("/opvolging/signaleringen").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_on": "2026-11-01"}, "ends_on", "Deze einddatum ligt in het verleden."),
        (
            {"starts_on": "2026-12-10", "ends_on": "2026-12-01"},
            "ends_on",
            "De einddatum ligt vóór de begindatum.",
        ),
        (
            {"notice_on": "2026-11-02", "ends_on": "2026-11-02", "starts_on": "2026-10-01"},
            None,
            None,
        ),
        ({"ends_on": ""}, "ends_on", "Vul de einddatum van de maatregel in."),
        ({"notice_on": "2026-11-05"}, "notice_on", "Deze datum ligt in de toekomst."),
        ({"notice_method": ""}, "notice_method", "Kies hoe de burger is ingelicht."),
        ({"reason": ""}, "reason", "Schrijf de reden van de maatregel op."),
        ({"kind": "prison"}, "kind", "Kies het soort maatregel."),
        ({"postcode": "12345"}, "postcode", "Vul een geldige postcode in, bijvoorbeeld 3511 AB."),
        (
            {"postcode": "", "house_number": ""},
            "postcode",
            "Vul een adres (postcode en huisnummer) of een zaakreferentie in.",
        ),
        ({"case_ref": "Jansen"}, "case_ref", "Gebruik een zaaknummer met cijfers"),
        ({"starts_on": "gisteren"}, "starts_on", "Vul een geldige begindatum in."),
    ],
)
def test_bad_flags_are_refused_and_change_nothing(client, auth, db, change, field, message):
    auth.login("demo-coordinator")
    response = auth.post("/opvolging/signaleringen", FLAG | change)
    if field is None:  # a notice on the last day is fine
        assert response.status_code == 303 and len(flags(db)) == 1
        return
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="e-{field}"' in page and str(escape(message)) in page
    assert flags(db) == []


def test_a_notice_date_after_the_expiry_is_refused(client, clock, auth, db):
    auth.login("demo-coordinator")
    data = FLAG | {"ends_on": "2026-11-20", "notice_on": "", "notice_method": ""}
    assert auth.post("/opvolging/signaleringen", data).status_code == 303
    [flag] = flags(db)
    clock.moment = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    auth.login("demo-coordinator")
    late = {"notice_on": "2026-11-22", "notice_method": "letter"}
    response = auth.post(f"/opvolging/signaleringen/{flag['id']}/kennisgeving", late)
    assert response.status_code == 422
    assert "De burger kan niet na de einddatum zijn ingelicht." in response.get_data(as_text=True)
    assert flags(db)[0]["notice_on"] is None
    in_time = {"notice_on": "2026-11-10", "notice_method": "letter"}
    assert (
        auth.post(f"/opvolging/signaleringen/{flag['id']}/kennisgeving", in_time).status_code
        == 303
    )
    assert flags(db)[0]["notice_on"] == "2026-11-10"
