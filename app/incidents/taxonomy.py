"""The municipal incident register's taxonomy (GIR), with Dutch labels, and the glossary.

Forms and behaviours follow chapter 4 of the A&O-fonds *Werkwijzer veilige publieke
dienstverlening* ("Vormen van normoverschrijdend gedrag"), the table the Gemeentelijk
Incidenten Registratiesysteem also uses. Codes are English identifiers; labels are the
Dutch source strings of the translation catalog.
"""

from flask_babel import lazy_gettext as _l

# Dutch terms of art kept in Dutch, with the English identifier the code uses for each.
GLOSSARY = {
    "aangifte": "wants_aangifte: the wish to report the incident to the police",
    "nazorg (opvang en nazorg)": "wants_aftercare: the wish for an aftercare contact",
    "GIR": "the municipal incident register (Gemeentelijk Incidenten Registratiesysteem)",
    "normoverschrijdend gedrag": "norm-crossing behaviour: the three forms below",
    "lokaalvredebreuk": "trespass: refusing to leave, or entering where one may not",
    "zaakreferentie": "case_ref: a case number instead of a citizen's name",
    "incidentgesprek": "the follow-up talk with the perpetrator (formerly ordegesprek)",
}

VERBAL, THREAT, PHYSICAL = "verbal", "threat", "physical"

# The register's three forms, from least to most serious.
FORMS = {
    VERBAL: _l("(Non-)verbale agressie"),
    THREAT: _l("Persoonlijke bedreiging"),
    PHYSICAL: _l("Fysiek geweld"),
}
SEVERITY = {VERBAL: 1, THREAT: 2, PHYSICAL: 3}

# Concrete behaviours per form, as the register lists them.
BEHAVIOURS = {
    VERBAL: {
        "insult": _l("Belediging, schelden"),
        "humiliation": _l("Vernedering, kleineren"),
        "defamation": _l("Aantasting goede naam of eer, zwartmaken, smaad"),
        "taunting": _l("Treiteren"),
        "discrimination": _l("Discriminatie"),
        "trespass": _l("Lokaalvredebreuk"),
        "sexual_harassment": _l("Seksuele intimidatie, schenden van de eerbaarheid"),
    },
    THREAT: {
        "posture_gesture": _l("Dreigende houding of gebaar"),
        "following_stalking": _l("Volgen, stalken"),
        "intimidation": _l("Intimidatie, bedreiging"),
        "obstruction": _l("Werk bemoeilijken of juist dwingen tot handelingen"),
    },
    PHYSICAL: {
        "assault": _l("Mishandeling, verwonden, schoppen"),
        "indecent_assault": _l("Aanranding"),
        "grab_push_pull": _l("Beetpakken, duwen, trekken"),
        "hit": _l("Slaan"),
        "spit": _l("Spugen"),
        "throw_object": _l("Gericht gooien met een voorwerp"),
        "weapon": _l("Wapengebruik"),
        "vandalism": _l("Vernieling"),
        "attempt": _l("Poging tot schoppen, slaan of verwonden"),
    },
}
BEHAVIOUR_FORM = {code: form for form, codes in BEHAVIOURS.items() for code in codes}

# Where it happened: every channel counts (face to face, phone, mail, social media).
PLACE_KINDS = {
    "home_visit": _l("Huisbezoek"),
    "business_visit": _l("Bedrijfsbezoek"),
    "counter": _l("Balie of kantoor"),
    "phone": _l("Telefoon"),
    "mail": _l("E-mail of brief"),
    "social_media": _l("Sociale media"),
    "public_space": _l("Openbare ruimte"),
}
# A visit's location type gives the kind of place of a report made from that visit.
VISIT_PLACE = {"home": "home_visit", "business": "business_visit"}

PERPETRATOR_KINDS = {
    "case_ref": _l("Bekend: zaakreferentie"),
    "unknown": _l("Onbekend"),
    "description": _l("Beschrijving zonder naam"),
}

# The worker's own consequences: fixed choices, never free health text. Only the
# coordinator sees them.
CONSEQUENCES = {
    "none": _l("Geen"),
    "emotional": _l("Emotionele impact"),
    "injury": _l("Lichamelijk letsel"),
    "sick_leave": _l("Verzuim"),
}

# Yes/no questions of the report, in the order the form asks them.
FLAGS = {
    "property_damage": _l("Schade aan eigendommen"),
    "police_involved": _l("Politie was erbij of is gebeld"),
    "wants_aangifte": _l("Ik wil aangifte doen bij de politie"),
    "wants_aftercare": _l("Ik wil graag contact voor opvang en nazorg"),
}


def most_serious(behaviours: list[str]) -> str | None:
    """Return the most serious form among the given behaviour codes, or None."""
    forms = [BEHAVIOUR_FORM[code] for code in behaviours if code in BEHAVIOUR_FORM]
    return max(forms, key=SEVERITY.__getitem__) if forms else None


def behaviour_label(code: str) -> str:
    """Return the Dutch label of a behaviour code (the code itself when unknown)."""
    form = BEHAVIOUR_FORM.get(code)
    return str(BEHAVIOURS[form][code]) if form else code
