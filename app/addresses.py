"""How an address and a case are recognised again: one rule for visits, incidents and measures.

The history shown before a visit is found by the address key (postcode and house number,
normalised) and by the case reference. Both must be made the same way wherever they are
stored, or an incident reported at "12-a" stays invisible to the next visit at "12-A".
"""

import re

from flask_babel import lazy_gettext as _l

# A Dutch postcode: four digits (no leading zero), an optional space, two letters.
POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})\s*$")
# A house number with an optional addition: 12, 12A, 12-A, 12 a, 12-3, 12 bis.
HOUSE_NUMBER = re.compile(r"^\s*[1-9][0-9]{0,4}(?:[ -]?[A-Za-z0-9]{1,4})?\s*$")
# A case reference has a digit in it, so a plain name ("Jansen") is refused: data
# minimisation, a case reference stands in for the citizen's name.
CASE_REF = re.compile(r"^(?=.*[0-9])[A-Za-z0-9./_-]{3,40}$")
POSTCODE_MESSAGE = _l("Vul een geldige postcode in, bijvoorbeeld 3511 AB.")
HOUSE_NUMBER_MESSAGE = _l("Vul een huisnummer in, bijvoorbeeld 12 of 12A.")
CASE_REF_MESSAGE = _l("Gebruik een zaaknummer met cijfers (geen naam), 3 tot 40 tekens.")


def postcode(raw: object) -> str | None:
    """Return a postcode as stored ("3511AB"), or None when it is not a Dutch postcode."""
    match = POSTCODE.match(raw) if isinstance(raw, str) else None
    return f"{match[1]}{match[2].upper()}" if match else None


def is_house_number(raw: object) -> bool:
    """Tell whether a text is a house number with an optional addition."""
    return isinstance(raw, str) and HOUSE_NUMBER.match(raw) is not None


def address_key(postcode_text: str, house_number: str) -> str:
    """Return the key that finds an address's history: "3511AB|12A" for 3511 ab, 12-a.

    Spaces and hyphens in the house number carry no meaning ("12-A", "12 a" and "12a" are
    one address), and case does not either.
    """
    number = re.sub(r"[\s-]", "", house_number).upper()
    code = re.sub(r"\s", "", postcode_text).upper()
    return f"{code}|{number}"


def rekey(key: str | None) -> str | None:
    """Return a stored address key made again under the current rule (for the migration)."""
    if not key or "|" not in key:
        return key
    code, number = key.split("|", 1)
    return address_key(code, number)


def is_case_ref(raw: object) -> bool:
    """Tell whether a text may be stored as a case reference (digits in it, no name)."""
    return isinstance(raw, str) and CASE_REF.match(raw) is not None
