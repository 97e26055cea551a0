"""The README stays true: every setting and command is documented."""

from pathlib import Path

from app.config import ENV_SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


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


def test_no_module_over_300_lines():
    app_dir = Path(__file__).resolve().parent.parent / "app"
    long = {
        p.name: n for p in app_dir.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300
    }
    assert not long
