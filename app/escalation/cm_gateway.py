"""SMS through CM.com's Business Messaging gateway (JSON over HTTPS), the provider adapter.

CM.com is a Dutch provider that many municipalities already buy SMS from (docs/sms.md says
why). One POST per message: {"messages": {"authentication": {"producttoken": …}, "msg": [
{"from", "to": [{"number"}], "body": {"type": "auto", "content"}, "reference"}]}}; the answer
carries an `errorCode` (0 is fine) and per message a `status` and `messageErrorCode`.
Outgoing requests go only to an allow-listed host, never follow a redirect and always time out.
"""

import threading
from urllib.parse import urlsplit

import requests
from flask import Flask

from .. import outgoing
from .push import Result

DEFAULT_URL = "https://gw.messaging.cm.com/v1.0/message"
DEFAULT_HOSTS = "gw.messaging.cm.com,gw.cmtelecom.com"
DEFAULT_SENDER = "VeiligOpPad"  # at most 11 letters and digits
DEFAULT_COUNTRY = "31"  # a national number (06…) is read as Dutch
MAX_PARTS = 3  # an alarm text fits in three SMS parts; longer is cut off by the gateway
# The gateway's error codes that a retry cannot fix: authentication, balance, a malformed
# request or number, spam filter, block list, rejection. 500 and 999 are worth another try.
TRANSIENT = {500, 999}
_local = threading.local()


def url_problem(app: Flask) -> str | None:
    """Return why the configured gateway address may not be used, or None when it may."""
    url = gateway_url(app)
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return "VOP_SMS_URL is not a valid address"
    allowed = app.config.get("VOP_SMS_HOSTS") or DEFAULT_HOSTS
    if host not in [h.strip().lower() for h in allowed.split(",") if h.strip()]:
        return f"{host or url} is not in VOP_SMS_HOSTS"
    if parts.username or parts.password:
        return "VOP_SMS_URL must not hold a user name or password"
    if outgoing.is_loopback(host):
        return None if parts.scheme in ("http", "https") else "VOP_SMS_URL must use https"
    if parts.scheme != "https" or port not in (None, 443):
        return "VOP_SMS_URL must use https on port 443"
    return None


def configured(app: Flask) -> bool:
    """Tell whether SMS can be sent: a product token and an allowed gateway address."""
    return bool(app.config.get("VOP_SMS_TOKEN")) and url_problem(app) is None


def gateway_url(app: Flask) -> str:
    """Return the gateway's address (VOP_SMS_URL or CM.com's)."""
    return app.config.get("VOP_SMS_URL") or DEFAULT_URL


def msisdn(phone: str | None, country: str | None = None) -> str | None:
    """Return a phone number as the gateway wants it (0031612345678), or None if it is none."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch not in " -.()/")
    if digits.startswith("+"):
        digits = "00" + digits[1:]
    elif digits.startswith("0") and not digits.startswith("00"):
        digits = "00" + (country or DEFAULT_COUNTRY) + digits[1:]
    if not digits.isdigit() or not 10 <= len(digits) <= 17:
        return None
    return digits


def request_body(app: Flask, to: str, text: str, reference: str) -> dict:
    """Return the JSON the gateway takes for one message to one number."""
    return {
        "messages": {
            "authentication": {"producttoken": app.config["VOP_SMS_TOKEN"]},
            "msg": [
                {
                    "allowedChannels": ["SMS"],
                    "from": app.config.get("VOP_SMS_SENDER") or DEFAULT_SENDER,
                    "to": [{"number": to}],
                    "body": {"type": "auto", "content": text},
                    "reference": reference,
                    "minimumNumberOfMessageParts": 1,
                    "maximumNumberOfMessageParts": MAX_PARTS,
                }
            ],
        }
    }


def _answer(response: requests.Response) -> Result:
    """Read the gateway's answer to one message."""
    code = response.status_code
    if 300 <= code < 400:
        return Result("refused", code, error="redirect not followed")
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    messages = data.get("messages") if isinstance(data.get("messages"), list) else []
    first = messages[0] if messages and isinstance(messages[0], dict) else {}
    error = first.get("messageErrorCode") or data.get("errorCode") or 0
    why = first.get("messageDetails") or data.get("details") or ""
    if code == 200 and not error and first.get("status", "Accepted") == "Accepted":
        return Result("accepted", code)
    if code == 429 or code >= 500 or error in TRANSIENT:
        return Result("retry", code, error=f"{error} {why}".strip()[:200] or None)
    return Result("refused", code, error=f"{error} {why}".strip()[:200] or response.text[:200])


def send(app: Flask, payload: dict, reference: str) -> Result:
    """Post one SMS to the gateway; report how it answered."""
    problem = url_problem(app)
    if problem or not app.config.get("VOP_SMS_TOKEN"):
        return Result("refused", error=problem or "VOP_SMS_TOKEN is not set")
    body = request_body(app, payload["to"], payload["text"], reference)
    try:
        response = outgoing.session().post(
            gateway_url(app), json=body, timeout=outgoing.timeout(), allow_redirects=False
        )
    except requests.RequestException as exc:
        return Result("retry", error=type(exc).__name__)
    return _answer(response)
