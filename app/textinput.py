"""What text and JSON the app accepts from outside: one rule for every form and endpoint.

JSON may carry what no form can: lone surrogates ("\\ud800", which SQLite cannot store),
NUL and other control characters, and nesting deep enough to exhaust Python's recursion.
Such input is refused with a clear message; it never reaches the database as a crash.
"""

from flask import Request
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 20  # no request of the app nests deeper than a few levels
ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def text_problem(value: str) -> bool:
    """Tell whether a string holds a lone surrogate or a control character (besides newlines
    and tabs): text no person typed and SQLite may not store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return any(
        (ord(ch) < 32 or 127 <= ord(ch) < 160) and ch not in ALLOWED_CONTROLS for ch in value
    )


def clean_text(value: str) -> str:
    """Return text with lone surrogates and control characters replaced (for logs, headers)."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return "".join("?" if text_problem(ch) else ch for ch in value)


def bad_json(value: object, depth: int = 0) -> str | None:
    """Return what is wrong with a parsed JSON value ("depth" or "text"), or None."""
    if depth > MAX_DEPTH:
        return "depth"
    if isinstance(value, str):
        return "text" if text_problem(value) else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        if isinstance(key, str) and text_problem(key):
            return "text"
        problem = bad_json(child, depth + 1)
        if problem:
            return problem
    return None


class SafeRequest(Request):
    """A request whose JSON body, when nested too deep to parse, is malformed (400), not 500."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """Parse the JSON body as Flask does; deep nesting counts as malformed JSON."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("JSON nested too deep") from None
