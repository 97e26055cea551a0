"""Alarm e-mail through SMTP (standard library): the second channel, since push alone is not
trusted."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask

from .push import Result

SMTP_TIMEOUT = 10


def configured(app: Flask) -> bool:
    """Tell whether alarm e-mail can be sent: an SMTP host and an office address are set."""
    return bool(app.config.get("VOP_SMTP_HOST") and app.config.get("VOP_OFFICE_EMAIL"))


def send(app: Flask, payload: dict) -> Result:
    """Send one alarm e-mail; report how the mail server answered."""
    config = app.config
    message = EmailMessage()
    message["From"] = config["VOP_MAIL_FROM"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="veilig-op-pad")
    message.set_content(payload["body"])
    try:
        with smtplib.SMTP(
            config["VOP_SMTP_HOST"], config["VOP_SMTP_PORT"], timeout=SMTP_TIMEOUT
        ) as smtp:
            if config.get("VOP_SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("VOP_SMTP_USER"):
                smtp.login(config["VOP_SMTP_USER"], config.get("VOP_SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        return Result("refused", error=str(exc)[:200])
    except smtplib.SMTPResponseException as exc:
        # 5xx is permanent for SMTP, 4xx temporary.
        outcome = "refused" if 500 <= exc.smtp_code < 600 else "retry"
        return Result(outcome, exc.smtp_code, error=str(exc.smtp_error)[:200])
    except (OSError, smtplib.SMTPException) as exc:
        return Result("retry", error=type(exc).__name__)
    return Result("accepted", 250)
