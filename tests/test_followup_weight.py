"""The follow-up adds nothing to a worker's phone pages: no file, no precache, no markup."""

import re
from datetime import datetime

import pytest

from app import pwa
from app.clock import LOCAL

from .factories import make_visit
from .followup_helpers import make_incident

FOLLOWUP_FILES = ("css/followup.css", "js/print.js")
ASSET = re.compile(r'(?:href|src)="/static/([^"?]+)')


@pytest.fixture
def worker_pages(client, auth, db):
    visit_id = make_visit(db, assessed=False)
    make_incident(db, datetime(2026, 11, 1, 10, 0, tzinfo=LOCAL))  # history to show
    auth.login("demo-medewerker")
    paths = ["/", f"/bezoeken/{visit_id}", f"/bezoeken/{visit_id}/inschatting"]
    paths += ["/incidenten/nieuw", "/incidenten/", "/instellingen/"]
    return {path: client.get(path) for path in paths}


def test_a_workers_pages_load_no_follow_up_file(worker_pages):
    for path, response in worker_pages.items():
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        loaded = set(ASSET.findall(page))
        assert loaded and not loaded & set(FOLLOWUP_FILES), path
        assert "/opvolging" not in page, path


def test_the_service_worker_precaches_no_follow_up_file(client):
    assert not set(FOLLOWUP_FILES) & set(pwa.shell_assets())
    body = client.get("/sw.js").get_data(as_text=True)
    assert "followup" not in body and "/opvolging" not in body
