"""Configuration: defaults, then instance/config.py, then the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

# Settings that may come from the environment, with their type. Documented in README.md.
ENV_SETTINGS = {
    "VOP_DATA_DIR": str,
    "VOP_SECRET_KEY": str,
    "VOP_SECURE_COOKIES": bool,
    "VOP_IDLE_MINUTES": int,
    "VOP_ABSOLUTE_HOURS": int,
    "VOP_LOGIN_SLOW_AFTER": int,
    "VOP_LOGIN_MAX_FAILURES_ACCOUNT": int,
    "VOP_LOGIN_MAX_FAILURES_ADDRESS": int,
    "VOP_LOGIN_WINDOW_MINUTES": int,
    "VOP_LOGIN_LOCK_MINUTES": int,
    "VOP_PROXY_HOPS": int,
    # Escalation, web push and alarm e-mail.
    "VOP_ESCALATOR_IN_PROCESS": bool,
    "VOP_ESCALATOR_TICK_SECONDS": float,
    "VOP_PUSH_PROCESSES": int,  # push goes out from this many sender processes (0: threads)
    "VOP_PUSH_HOSTS": str,
    "VOP_PUSH_TTL_SECONDS": int,
    "VOP_VAPID_PRIVATE_KEY": str,
    "VOP_VAPID_SUBJECT": str,
    "VOP_SMTP_HOST": str,
    "VOP_SMTP_PORT": int,
    "VOP_SMTP_USER": str,
    "VOP_SMTP_PASSWORD": str,
    "VOP_SMTP_STARTTLS": bool,
    "VOP_MAIL_FROM": str,
    "VOP_OFFICE_EMAIL": str,
    "VOP_PUBLIC_URL": str,
    "VOP_OFFICE_PHONE": str,  # the office's number for offline check-out and panic
    # Incident follow-up and retention.
    "VOP_EMPLOYER_ADDRESS": str,  # on the police information sheet, instead of a home address
    "VOP_RETENTION_VISITS_DAYS": int,
    "VOP_RETENTION_ALARM_LOG_DAYS": int,
    "VOP_RETENTION_INCIDENTS_DAYS": int,
    "VOP_RETENTION_FLAGS_DAYS": int,
    # SMS through CM.com's gateway (docs/sms.md).
    "VOP_SMS_TOKEN": str,
    "VOP_SMS_URL": str,
    "VOP_SMS_HOSTS": str,
    "VOP_SMS_SENDER": str,
    "VOP_SMS_COUNTRY": str,
    "VOP_REPLICA_URL": str,  # Litestream replica: file:///..., s3://..., sftp://...
    "VOP_METRICS_TOKEN": str,  # bearer token for /metrics from anywhere but loopback
    "VOP_HEARTBEAT_URL": str,  # an uptime monitor's push URL the escalator calls while alive
    "VOP_HEARTBEAT_SECONDS": float,
}


def instance_path() -> str:
    """Return the instance folder: $VOP_DATA_DIR or ./instance."""
    data_dir = os.environ.get("VOP_DATA_DIR")
    if data_dir:
        return str(Path(data_dir).resolve())
    return str(Path(__file__).resolve().parent.parent / "instance")


def _env_value(kind: type, raw: str):
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return kind(raw)


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py, environment and test overrides."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE=str(Path(app.instance_path) / "veilig-op-pad.sqlite"),
        VOP_SECURE_COOKIES=False,
        # A field shift is up to about 10 hours; a visit may run for hours without touching
        # the phone, so the idle limit is generous and the absolute limit ends the shift.
        VOP_IDLE_MINUTES=240,
        VOP_ABSOLUTE_HOURS=12,
        # Failed logins: per (account, address) slow down after 3, refuse after 10; per
        # address refuse after 30 (a town hall's office sits behind one address). Never
        # per account alone: that would let anyone lock a colleague out (throttle.py).
        VOP_LOGIN_SLOW_AFTER=3,
        VOP_LOGIN_MAX_FAILURES_ACCOUNT=10,
        VOP_LOGIN_MAX_FAILURES_ADDRESS=30,
        VOP_LOGIN_WINDOW_MINUTES=15,
        VOP_LOGIN_LOCK_MINUTES=5,
        VOP_PROXY_HOPS=0,
        VOP_ESCALATOR_IN_PROCESS=True,
        VOP_ESCALATOR_TICK_SECONDS=0.5,
        VOP_PUSH_PROCESSES=2,
        VOP_PUSH_HOSTS=None,  # None: the public push services of Chrome, Firefox, Safari, Edge
        VOP_PUSH_TTL_SECONDS=3600,
        VOP_VAPID_PRIVATE_KEY=None,  # None: generated once into the instance folder
        VOP_VAPID_SUBJECT="mailto:veilig-op-pad@localhost",
        VOP_SMTP_HOST=None,
        VOP_SMTP_PORT=25,
        VOP_SMTP_USER=None,
        VOP_SMTP_PASSWORD=None,
        VOP_SMTP_STARTTLS=False,
        VOP_MAIL_FROM="veilig-op-pad@localhost",
        VOP_OFFICE_EMAIL=None,
        VOP_PUBLIC_URL="http://127.0.0.1:5000",
        VOP_EMPLOYER_ADDRESS=None,
        VOP_SMS_TOKEN=None,  # None: no SMS; the other VOP_SMS_* defaults are in cm_gateway.py
        VOP_SMS_URL=None,
        VOP_SMS_HOSTS=None,
        VOP_SMS_SENDER=None,
        VOP_SMS_COUNTRY=None,
        VOP_REPLICA_URL=None,
        VOP_METRICS_TOKEN=None,
        VOP_HEARTBEAT_URL=None,
        VOP_HEARTBEAT_SECONDS=30,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="vop_session",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,  # fast enough per page; static files get level 11 once
        COMPRESS_MIN_SIZE=512,
    )
    app.config.from_pyfile("config.py", silent=True)
    for name, kind in ENV_SETTINGS.items():
        if name in os.environ:
            app.config[name] = _env_value(kind, os.environ[name])
    if test_config:
        app.config.update(test_config)
    if app.config.get("VOP_SECRET_KEY"):
        app.config["SECRET_KEY"] = app.config["VOP_SECRET_KEY"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    app.config["SESSION_COOKIE_SECURE"] = app.config["VOP_SECURE_COOKIES"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["VOP_ABSOLUTE_HOURS"])


def _instance_secret(path: Path) -> str:
    """Read the secret key from the instance folder, generating it on first start."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by another process starting at the same moment
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
