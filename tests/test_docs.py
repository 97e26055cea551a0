"""The README stays true: every setting and command is documented."""

import re
from pathlib import Path

from app import vocabulary
from app.config import ENV_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def test_every_environment_setting_is_documented():
    missing = [name for name in ENV_SETTINGS if f"`{name}`" not in README]
    assert not missing


def test_every_command_is_documented(app):
    ours = {
        name
        for name, cmd in app.cli.commands.items()
        if cmd.callback and cmd.callback.__module__.startswith("app.")
    }
    assert ours, "no commands found"
    assert not [name for name in ours if f"`{name}`" not in README]


def test_two_commands_and_demo_logins_are_in_the_readme():
    assert "make run" in README and "make test" in README
    for username in ["demo-medewerker", "demo-kantoor", "demo-coordinator", "demo-beheer"]:
        assert username in README


def test_every_state_word_the_database_allows_is_explained_in_the_architecture(db):
    page = ARCHITECTURE.read_text()
    allowed = vocabulary.installed(db)
    assert set(allowed) == set(vocabulary.VOCABULARY)  # every column's trigger is in place
    missing = [
        f"{table}.{column}: {word}"
        for (table, column), words in allowed.items()
        for word in words
        if f"| `{word}` |" not in page
    ]
    assert not missing


def test_every_table_is_named_in_the_architecture(db):
    page = ARCHITECTURE.read_text()
    missing = [name for name in db.table_names() if f"`{name}`" not in page]
    assert not missing


def test_every_app_module_is_named_in_the_architecture():
    page = ARCHITECTURE.read_text()
    app_dir = ROOT / "app"
    modules = [p for p in app_dir.rglob("*.py") if p.name != "__init__.py"]
    missing = [str(p.relative_to(app_dir)) for p in modules if f"{p.name}`" not in page]
    assert not missing


def test_every_metric_is_explained_in_the_operations_guide(app):
    from app import metrics

    guide = (ROOT / "docs" / "operations.md").read_text()
    kept = (metrics.TICKS, metrics.FIRED, metrics.LAG, metrics.SENDS, metrics.SYNC_ITEMS)
    names = {family.name for metric in kept for family in metric.describe()}
    with app.app_context():
        names |= {family.name for family in metrics.DatabaseCollector().collect()}
    missing = sorted(n for n in names if f"`{n}" not in guide)
    assert not missing, f"docs/operations.md does not name: {missing}"


def test_every_document_the_readme_links_exists():
    linked = set(re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", README))
    assert linked, "the README links no documents"
    assert [path for path in linked if not (ROOT / path).exists()] == []
