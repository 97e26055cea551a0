"""The coordinator's trends and period report in a real Chromium, on a seeded demo year.

The screenshots and the report's PDF (and its pages as PNG, when pdftoppm is installed)
are saved under tests/artifacts/ to be looked at.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, LiveServer, login_page

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "nl-NL"}
# A4 less the print stylesheet's margins (12 mm each side), in CSS pixels (96 per inch).
A4_CONTENT_PX = round((210 - 24) / 25.4 * 96)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A server of its own with the demo organisation and a seeded demo year."""
    server = LiveServer(tmp_path_factory.mktemp("demo-year"))
    flask = [sys.executable, "-m", "flask", "--app", "app", "seed-demo-year"]
    done = subprocess.run(flask, env=server.env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "gemarkeerd als demo" in done.stdout
    yield server
    server.stop()


def pdf_pages(path: Path) -> int:
    """Count the pages of a PDF (its page objects, not the page tree)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def coordinator_page(browser, server, **context):
    ctx = browser.new_context(**(context or LAPTOP))
    page = login_page(ctx, server.url, "demo-coordinator")
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    return ctx, page, refused


def chart_boxes(page) -> dict:
    """Return each chart's drawn size and how many marks it drew."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((f) => {
            const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect();
            return [f.dataset.chart, {w: box.width, h: box.height,
                    marks: svg.querySelectorAll('rect').length}];
        }))"""
    )


def test_the_trends_page_renders_every_chart(browser, demo_server):
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, refused = coordinator_page(browser, demo_server)
    try:
        page.goto(demo_server.url + "/opvolging/trends")
        assert page.locator("[data-demo-note]").is_visible()
        boxes = chart_boxes(page)
        assert list(boxes) == ["c-forms", "c-heat", "c-places", "c-kinds", "c-on-time", "c-alarms"]
        for name, box in boxes.items():
            assert box["w"] > 300 and box["h"] > 100, name
            assert box["marks"] >= 3, name
        assert int(page.locator('[data-figure="count"]').inner_text()) >= 50
        assert int(page.locator('[data-figure="alarms"]').inner_text()) >= 100
        rows = page.locator("[data-alarm-table] tbody tr")
        assert rows.count() == 13  # twelve months and the total
        page.screenshot(path=str(ARTIFACTS / "followup-trends-1280.png"), full_page=True)
        assert refused == []
    finally:
        ctx.close()
    phone = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "locale": "nl-NL"}
    ctx, page, refused = coordinator_page(browser, demo_server, **phone)
    try:
        page.goto(demo_server.url + "/opvolging/trends")
        # Nothing sticks out sideways on a phone but the wide table, which scrolls in its box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        boxes = chart_boxes(page)
        assert all(320 <= box["w"] <= 340 for box in boxes.values()), boxes
        page.screenshot(path=str(ARTIFACTS / "followup-trends-360.png"), full_page=True)
        for name in boxes:  # each chart on its own, at the phone's real size
            chart = page.locator(f'[data-chart="{name}"]')
            chart.screenshot(path=str(ARTIFACTS / f"followup-trends-360-{name}.png"))
        assert refused == []
    finally:
        ctx.close()


def test_the_register_and_a_checklist_on_a_laptop(browser, demo_server):
    ctx, page, refused = coordinator_page(browser, demo_server)
    try:
        page.goto(demo_server.url + "/")
        page.screenshot(path=str(ARTIFACTS / "followup-home-1280.png"), full_page=True)
        page.get_by_role("link", name="Register en opvolging").click()
        assert page.locator("tr[data-incident-id]").count() >= 50
        page.screenshot(path=str(ARTIFACTS / "followup-register-1280.png"))
        page.locator("tr[data-incident-id] a").first.click()
        page.locator("#response").wait_for()
        page.screenshot(path=str(ARTIFACTS / "followup-checklist-1280.png"), full_page=True)
        checklist = page.url
        page.goto(demo_server.url + "/opvolging/signaleringen")
        page.screenshot(path=str(ARTIFACTS / "followup-flags-1280.png"), full_page=True)
        assert refused == []
    finally:
        ctx.close()
    phone = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "locale": "nl-NL"}
    ctx, page, refused = coordinator_page(browser, demo_server, **phone)
    try:
        for name, url in (("checklist", checklist), ("register", demo_server.url + "/opvolging/")):
            page.goto(url)
            # Only the register's table scrolls sideways, inside its own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
            page.screenshot(path=str(ARTIFACTS / f"followup-{name}-360.png"), full_page=True)
        assert refused == []
    finally:
        ctx.close()


def test_the_period_report_prints_on_a4_without_cut_off_tables(browser, demo_server):
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, _refused = coordinator_page(browser, demo_server)
    try:
        page.goto(demo_server.url + "/opvolging/rapport")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1000})
        # In the print layout at A4's width every table fits its column: nothing cut off.
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('table, svg, .figure-row')].filter((el) => {
                const r = el.getBoundingClientRect();
                return r.right > window.innerWidth + 0.5 || el.scrollWidth > el.clientWidth + 1;
            }).map((el) => el.outerHTML.slice(0, 80))"""
        )
        assert overflow == []
        assert (
            page.locator(".app-header").is_hidden() and page.locator(".no-print").first.is_hidden()
        )
        assert page.locator("[data-demo-note]").is_visible()  # the printout says it is demo data
        pdf = ARTIFACTS / "followup-report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        ctx.close()
    pages = pdf_pages(pdf)
    assert 2 <= pages <= 8
    if shutil.which("pdftoppm"):
        for old in ARTIFACTS.glob("followup-report-*.png"):
            old.unlink()
        prefix = ARTIFACTS / "followup-report"
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(prefix)], check=True)
        assert len(list(ARTIFACTS.glob("followup-report-*.png"))) == pages


def test_the_police_sheet_prints_on_one_page(browser, demo_server):
    ctx, page, _refused = coordinator_page(browser, demo_server)
    try:
        page.goto(demo_server.url + "/opvolging/")
        page.locator("tr[data-incident-id] a").first.click()
        page.get_by_role("link", name="Informatieblad voor de politie (afdrukken)").click()
        page.locator("[data-sheet]").wait_for()
        page.emulate_media(media="print")
        sheet = ARTIFACTS / "followup-police-sheet.pdf"
        page.pdf(path=str(sheet), format="A4", prefer_css_page_size=True)
    finally:
        ctx.close()
    assert pdf_pages(sheet) == 1
