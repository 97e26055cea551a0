"""Addresses the app used before its URLs were made Dutch and grouped per capability.

Phones keep them in bookmarks, in notifications already shown and in pages an older service
worker cached. Each answers 308 to its new address: method and body are kept, so a form
posted from an old page still arrives (and is checked there, CSRF included).
"""

from flask import Blueprint, redirect, request, url_for

from .security import csrf

bp = Blueprint("legacy", __name__)
csrf.exempt(bp)  # nothing happens here: the new address checks the token

MOVED = {
    "/incidents/": "incidents.index",
    "/incidents/new": "incidents.new",
    "/incidents/shell": "incidents.shell",
    "/incidents/<int:incident_id>": "incidents.detail",
    "/meldingen": "settings.index",
    "/noodcode": "settings.duress_pin",
    "/protocolkaart": "visits.protocol_card",
    "/escalatiebeleid": "office.policy_edit",
    "/alarmen/<int:alarm_id>": "office.alarm",
    "/alarmen/<int:alarm_id>/bevestigen": "office.acknowledge",
    "/alarmen/<int:alarm_id>/afhandelen": "office.resolve",
    "/bezoeken/<int:visit_id>/acties": "timer.visit",
    "/bezoeken/<int:visit_id>/inchecken": "timer.check_in",
    "/bezoeken/<int:visit_id>/uitchecken": "timer.check_out",
    "/bezoeken/<int:visit_id>/uitgecheckt": "timer.checked_out",
    "/bezoeken/<int:visit_id>/verlengen": "timer.extend",
    "/bezoeken/<int:visit_id>/oke": "timer.im_ok",
    "/bezoeken/<int:visit_id>/alarm": "timer.panic",
    "/bezoeken/<int:visit_id>/alarm-verstuurd": "timer.panic_sent",
}


def _moved(target: str):
    def view(**values):
        location = url_for(target, **values)
        if request.query_string:
            location += "?" + request.query_string.decode("latin-1")
        return redirect(location, 308)

    return view


for _number, (_old, _new) in enumerate(MOVED.items()):
    bp.add_url_rule(_old, f"moved_{_number}", _moved(_new), methods=["GET", "POST"])
