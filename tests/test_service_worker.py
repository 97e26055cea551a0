"""The service worker's version covers everything it precaches, pages and translations too."""

from jinja2 import ChoiceLoader, DictLoader

from app import pwa


def _override(app, name: str, change) -> None:
    """Serve a changed copy of one template, as if its file had been edited."""
    source, _filename, _uptodate = app.jinja_env.loader.get_source(app.jinja_env, name)
    app.jinja_env.loader = ChoiceLoader([DictLoader({name: change(source)}), app.jinja_env.loader])
    app.jinja_env.cache.clear()


def test_the_version_is_stable_while_nothing_changes(app):
    assert pwa.shell_version(app) == pwa.shell_version(app)  # no CSRF token, no time in it


def test_changing_the_offline_report_form_changes_the_version(app, client):
    before = pwa.shell_version(app)
    assert f'const VERSION = "{before}"' in client.get("/sw.js").get_data(as_text=True)
    _override(app, "incidents/form.html", lambda s: s.replace("</form>", "<p>nieuw</p></form>"))
    assert pwa.shell_version(app) != before


def test_changing_the_protocol_card_changes_the_version(app):
    before = pwa.shell_version(app)
    _override(app, "visits/protocol_card.html", lambda s: s.replace("</h1>", "</h1><p>x</p>", 1))
    assert pwa.shell_version(app) != before


def test_every_language_of_a_precached_page_is_hashed(app):
    dutch = pwa._page_bytes(app, "pwa.offline", "nl")
    english = pwa._page_bytes(app, "pwa.offline", "en")
    assert b"Geen verbinding" in dutch and b"Geen verbinding" not in english
    assert b"csrf-token" not in dutch
