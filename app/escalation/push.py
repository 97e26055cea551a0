"""Web push: VAPID keys, the push-service allow-list, subscriptions and sending one message."""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from flask_babel import gettext as _
from py_vapid import Vapid
from pywebpush import WebPusher
from sqlite_utils import Database

from .. import outgoing
from ..clock import iso, now
from ..db import one
from ..textinput import clean_text
from .errors import ActionError

DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com,android.googleapis.com,updates.push.services.mozilla.com,"
    "web.push.apple.com,*.notify.windows.com"
)
_vapid_lock = threading.Lock()


@dataclass
class Result:
    """How a push service (or the mail server) answered one attempt."""

    outcome: str  # accepted | gone | retry | refused
    status: int | None = None
    retry_after: float | None = None
    error: str | None = None


def b64url(raw: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid(app: Flask | None = None) -> Vapid:
    """Return the VAPID key: from VOP_VAPID_PRIVATE_KEY, or made once in the instance folder."""
    app = app or current_app._get_current_object()
    key = app.extensions.get("vop_vapid")
    if key is not None:
        return key
    with _vapid_lock:
        given = app.config.get("VOP_VAPID_PRIVATE_KEY")
        if given:
            key = Vapid.from_pem(given.encode()) if "BEGIN" in given else Vapid.from_string(given)
        else:
            key = _instance_key(Path(app.instance_path) / "vapid_private_key.pem")
        app.extensions["vop_vapid"] = key
    return key


def _instance_key(path: Path) -> Vapid:
    """Read the VAPID key from the instance folder, generating it on first start."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by another process at the same moment
    else:
        fresh = Vapid()
        fresh.generate_keys()
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh.private_pem())
    for _attempt in range(50):  # another process may still be writing it
        pem = path.read_bytes()
        if pem:
            return Vapid.from_pem(pem)
        time.sleep(0.05)
    raise RuntimeError(f"VAPID key file {path} stays empty")


def public_key(app: Flask | None = None) -> str:
    """Return the VAPID public key as the browser's applicationServerKey (base64url)."""
    raw = vapid(app).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


_ALLOWED: set[tuple[str, str]] = set()  # (endpoint, allow-list) pairs found fine: no re-check


def endpoint_problem(endpoint: object) -> str | None:
    """Return why the app may not send to this endpoint, or None when it may."""
    hosts = current_app.config.get("VOP_PUSH_HOSTS") or DEFAULT_PUSH_HOSTS
    if (endpoint, hosts) in _ALLOWED:
        return None
    problem = outgoing.url_problem(endpoint, outgoing.AllowList.parse(hosts))
    if problem is None and isinstance(endpoint, str):
        if len(_ALLOWED) > 100_000:
            _ALLOWED.clear()
        _ALLOWED.add((endpoint, hosts))
    return problem


def save_subscription(
    db: Database, user_id: int, data: object, user_agent: str | None, session_id: str | None = None
) -> int:
    """Store a browser's PushSubscription.toJSON() for a user; return its id.

    An endpoint is one device. Registered by someone else it is refused (409): it moves only
    when its owner logs out on it (auth.logout frees it) or removes it in the settings.
    """
    if not isinstance(data, dict):
        raise ActionError(_("Dit is geen pushabonnement."), status=400)
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise ActionError(_("Dit is geen pushabonnement."), status=400)
    problem = endpoint_problem(endpoint)
    if problem:
        raise ActionError(problem, status=400)
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        if not (isinstance(p256dh, str) and isinstance(auth, str) and (p256dh + auth).isascii()):
            raise ValueError("keys")
        raw_p256dh, raw_auth = _b64url_decode(p256dh), _b64url_decode(auth)
    except ValueError:
        raise ActionError(
            _("De sleutels van dit pushabonnement kloppen niet."), status=400
        ) from None
    if len(raw_p256dh) != 65 or raw_p256dh[0] != 4 or len(raw_auth) < 16:
        raise ActionError(_("De sleutels van dit pushabonnement kloppen niet."), status=400)
    owner = one(db, "select user_id from push_subscriptions where endpoint = ?", [endpoint])
    if owner and owner["user_id"] != user_id:
        raise ActionError(
            _(
                "Dit apparaat ontvangt al meldingen voor een andere gebruiker. Die moet eerst "
                "op dit apparaat uitloggen of het apparaat verwijderen."
            ),
            status=409,
        )
    db.execute("delete from push_subscriptions where endpoint = ?", [endpoint])
    return (
        db["push_subscriptions"]
        .insert(
            {
                "user_id": user_id,
                "endpoint": endpoint,
                "p256dh": p256dh,
                "auth": auth,
                "host": urlsplit(endpoint).hostname.lower(),
                "user_agent": clean_text(user_agent or "")[:300],
                "created_at": iso(now()),
                "session_id": session_id,
            }
        )
        .last_pk
    )


def forget_session_devices(db: Database, session_id: str) -> int:
    """Remove the devices a session registered (at logout: the next user may take them)."""
    return db.execute("delete from push_subscriptions where session_id = ?", [session_id]).rowcount


def _vapid_headers(app: Flask, endpoint: str) -> dict:
    """Return VAPID headers for a push service, signed once an hour and reused meanwhile."""
    parts = urlsplit(endpoint)
    aud = f"{parts.scheme}://{parts.netloc}"
    cache = app.extensions.setdefault("vop_vapid_headers", {})
    cached = cache.get(aud)
    if cached and cached[0] > time.time() + 600:
        return cached[1]
    expires = int(time.time()) + 12 * 3600
    claims = {"sub": app.config["VOP_VAPID_SUBJECT"], "aud": aud, "exp": expires}
    headers = vapid(app).sign(claims)
    cache[aud] = (expires - 11 * 3600, headers)
    return headers


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _poster(app: Flask) -> outgoing.Poster:
    """Return the app's push poster: kept-open connections, one per sender thread and host."""
    poster = app.extensions.get("vop_push_poster")
    if poster is None:
        poster = app.extensions.setdefault("vop_push_poster", outgoing.Poster())
    return poster


@dataclass
class Message:
    """One push message ready to post: encrypted (aes128gcm) and signed (VAPID)."""

    endpoint: str
    body: bytes
    headers: dict


def prepare(
    app: Flask, subscription: dict, payload: dict, *, ttl: int, urgency: str
) -> Message | Result:
    """Encrypt and sign one message, or say why it may not go to this endpoint (refused)."""
    endpoint = subscription["endpoint"]
    with app.app_context():
        problem = endpoint_problem(endpoint)
    if problem:
        return Result("refused", error=problem)
    info = {
        "endpoint": endpoint,
        "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]},
    }
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    body = WebPusher(info).encode(data, "aes128gcm")["body"]
    headers = {
        **_vapid_headers(app, endpoint),
        "Urgency": urgency,
        "TTL": str(ttl),
        "Content-Encoding": "aes128gcm",
    }
    return Message(endpoint, body, headers)


def answer(code: int, headers, text: str) -> Result:
    """Read a push service's answer (RFC 8030): accepted, gone, retry (when) or refused."""
    if 300 <= code < 400:
        # Never followed (app/outgoing.py): a push service does not move; refuse for good.
        return Result("refused", code, error="redirect not followed")
    if code in (200, 201, 202):
        return Result("accepted", code)
    if code in (404, 410):
        return Result("gone", code)
    if code == 429 or code >= 500:
        return Result("retry", code, _retry_after(headers.get("Retry-After")))
    return Result("refused", code, error=text[:200])


def send(app: Flask, subscription: dict, payload: dict, *, ttl: int, urgency: str) -> Result:
    """Encrypt, sign and post one message on this thread; report how it was answered."""
    message = prepare(app, subscription, payload, ttl=ttl, urgency=urgency)
    if isinstance(message, Result):
        return message
    try:
        response = _poster(app).post(
            message.endpoint,
            data=message.body,
            headers=message.headers,
            timeout=outgoing.timeout(),
        )
    except outgoing.SendError as exc:
        return Result("retry", error=str(exc))
    return answer(response.status_code, response.headers, response.text)


async def send_async(
    app: Flask, session: aiohttp.ClientSession, subscription: dict, payload: dict, **how
) -> Result:
    """The same as `send`, on an asyncio loop (app/escalation/sender.py): the same rules
    (outgoing.py: no redirects followed, no proxy from the environment, `timeout()`)."""
    message = prepare(app, subscription, payload, **how)
    if isinstance(message, Result):
        return message
    connect, read = outgoing.timeout()
    try:
        async with session.post(
            message.endpoint,
            data=message.body,
            headers=message.headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(
                total=connect + read, sock_connect=connect, sock_read=read
            ),
        ) as response:
            text = await response.text(errors="replace")
            return answer(response.status, response.headers, text)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Result("retry", error=type(exc).__name__)
