"""Languages: Dutch by default, English per user or by the browser's Accept-Language."""

from flask import Flask, has_request_context, request
from flask_babel import Babel
from flask_login import current_user

from .users import LANGUAGES


def select_locale() -> str:
    """Pick the signed-in user's language, else the browser's, else Dutch.

    A page the service worker keeps is fetched once per language (`?taal=en`): the phone
    shows the one of the language its user last saw.
    """
    from .pwa import PRECACHED_PAGES

    if not has_request_context():
        return "nl"  # command-line output
    asked = request.args.get("taal")
    if asked in LANGUAGES and request.endpoint in PRECACHED_PAGES:
        return asked
    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    return request.accept_languages.best_match(list(LANGUAGES), default="nl")


def init_app(app: Flask) -> None:
    """Attach Flask-Babel."""
    Babel(app, locale_selector=select_locale)

    @app.after_request
    def vary_language(response):
        response.vary.add("Accept-Language")
        return response
