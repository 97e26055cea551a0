"""Every user-facing string is in the catalog, and English has a translation for each."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_english_catalog_covers_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as fh:
        in_code = _ids(read_po(fh))
    with open(EN_PO, "rb") as fh:
        english = read_po(fh, locale="en")
    missing = in_code - _ids(english)
    assert not missing, f"strings not in the English catalog (run make i18n-extract): {missing}"
    untranslated = [
        m.id for m in english if m.id and m.id in in_code and (not m.string or "fuzzy" in m.flags)
    ]
    assert not untranslated, f"untranslated: {untranslated}"
