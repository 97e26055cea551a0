"""The default team protocol and citizen conditions, drawn from the seeds (docs/protocol.md).

Labels are stored in Dutch in the database (a team edits them in Dutch); `N_` marks the
default ones for the translation catalog, so they still show in English for English users.
"""

LOW, MEDIUM, HIGH, POLICE = "low", "medium", "high", "police"
LEVELS = (LOW, MEDIUM, HIGH, POLICE)

# Measure kinds: how the app knows a measure is in place.
CONFIRM = "confirm"  # the worker confirms it
COMPANION = "companion"  # at least one companion on the visit (colleague or external)
POLICE_ESCORT = "police"  # an external companion of kind police
APPROVAL = "approval"  # a coordinator's recorded approval
ADVICE = "advice"  # shown as advice, never blocks a check-in
MEASURE_KINDS = (CONFIRM, COMPANION, POLICE_ESCORT, APPROVAL, ADVICE)

# Which visits a question or measure applies to.
ALL, VOLUNTARY_ONLY, INVOLUNTARY_ONLY = "all", "voluntary", "involuntary"
QUESTION_SCOPES = (ALL, INVOLUNTARY_ONLY)
MEASURE_SCOPES = (ALL, VOLUNTARY_ONLY, INVOLUNTARY_ONLY)


def N_(text: str) -> str:
    """Mark a string for the catalog without translating it now (it is stored in Dutch)."""
    return text


def _question(key: str, label: str, weight: int, scope: str = ALL) -> dict:
    """Make one question of the protocol."""
    return {"key": key, "label": label, "weight": weight, "scope": scope}


def _measure(key: str, label: str, kind: str, levels: list[str], scope: str = ALL) -> dict:
    """Make one measure of the protocol, with the levels that require it."""
    return {"key": key, "label": label, "kind": kind, "scope": scope, "levels": levels}


# Keys the app fills in from what it knows (history, planned time, companions): see risk.py.
DEFAULT_QUESTIONS = [
    _question("earlier_incidents", N_("Eerdere incidenten met deze burger of op dit adres"), 3),
    _question("active_measures", N_("Actieve maatregel: waarschuwing, contact- of pandverbod"), 3),
    _question(
        "bad_news", N_("Ik breng slecht nieuws (bijv. geweigerde uitkering of vergunning)"), 2
    ),
    _question("psychiatric", N_("Psychiatrische problematiek bekend"), 2),
    _question("substances", N_("Alcohol- of drugsgebruik bekend of te verwachten"), 2),
    _question("weapons", N_("Wapens bekend of vermoed"), 10),
    _question("animals", N_("Honden of andere dieren die gevaar kunnen opleveren"), 1),
    _question("others_present", N_("Andere (onbekende) personen aanwezig"), 1),
    _question("isolated", N_("Afgelegen of slecht bereikbare plek"), 1),
    _question("evening", N_("Bezoek 's avonds of in het donker"), 1),
    _question("poor_reception", N_("Slecht mobiel bereik verwacht"), 1),
    _question("first_visit", N_("Eerste bezoek: de burger is nog onbekend"), 1),
    _question("alone", N_("Ik ga alleen"), 1),
    _question("inexperienced", N_("Ik heb weinig ervaring met dit soort bezoeken"), 1),
    _question(
        "resistance_expected",
        N_("Verzet verwacht tegen de maatregel (controle, uithuisplaatsing)"),
        2,
        INVOLUNTARY_ONLY,
    ),
]

DEFAULT_MEASURES = [
    _measure(
        "inform_colleague",
        N_("Een collega of het kantoor weet waar ik ben en hoe lang het duurt"),
        CONFIRM,
        [LOW, MEDIUM, HIGH, POLICE],
    ),
    _measure(
        "share_conditions",
        N_("De voorwaarden voor het bezoek zijn met de burger gedeeld"),
        CONFIRM,
        [LOW, MEDIUM],
        VOLUNTARY_ONLY,
    ),
    _measure(
        "short_interval",
        N_("Kortere check-in: ik meld me halverwege het bezoek bij het kantoor"),
        CONFIRM,
        [MEDIUM, HIGH],
    ),
    _measure(
        "office_meeting",
        N_("Overweeg het gesprek op kantoor te voeren in plaats van ter plekke"),
        ADVICE,
        [MEDIUM, HIGH, POLICE],
        VOLUNTARY_ONLY,
    ),
    _measure(
        "pair",
        N_("Ga met z'n tweeën: een collega of externe begeleider gaat mee"),
        COMPANION,
        [HIGH, POLICE],
    ),
    _measure(
        "police",
        N_("Politie-assistentie: ga alleen met de politie"),
        POLICE_ESCORT,
        [POLICE],
        INVOLUNTARY_ONLY,
    ),
    _measure("approval", N_("Toestemming van de coördinator"), APPROVAL, [POLICE]),
]

DEFAULT_PROTOCOL = {
    "involuntary_weight": 2,
    # Score from which a level starts; below "medium" the level is low.
    "thresholds": {MEDIUM: 3, HIGH: 6, POLICE: 10},
    "questions": DEFAULT_QUESTIONS,
    "measures": DEFAULT_MEASURES,
}

# Werkwijzer (seed 002), chapter 3: "Voorbeeldtekst bij huis- of bedrijfsbezoek".
DEFAULT_CONDITIONS = N_(
    "Onze medewerkers komen bij u op bezoek om met u over de dienstverlening te praten. "
    "Het is belangrijk dat dit gesprek goed gevoerd kan worden. Om dit zeker te stellen "
    "vragen wij uw medewerking. Wij vragen u het volgende te regelen:\n"
    "- Zorg dat uw huisdieren uit de buurt blijven; zet uw hond of kat graag even in een "
    "andere ruimte.\n"
    "- We willen graag met u persoonlijk en ongestoord het gesprek voeren, dus in een ruimte "
    "waar geen personen aanwezig zijn die niet bij het gesprek betrokken zijn.\n"
    "- Om gezondheidsredenen verzoeken wij u tijdens het gesprek niet te roken.\n"
    "Wij zijn bij u op bezoek en daar houden wij rekening mee. U mag van ons verwachten dat "
    "wij uw huisregels zo goed mogelijk respecteren. Wij moeten ervoor zorgen dat het gesprek "
    "op passende wijze gevoerd kan worden. Als dat niet mogelijk blijkt op het moment van het "
    "huis- of bedrijfsbezoek, dan moet onze medewerker mogelijk een nieuwe afspraak met u maken."
)
