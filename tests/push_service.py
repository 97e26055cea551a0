"""A local fake push service for tests and benchmarks (TESTING.md: web push without internet).

It hands out subscriptions whose keys it owns, so it can decrypt every message (aes128gcm,
RFC 8291) and verify the VAPID signature (RFC 8292) like a real push service would. Each
subscription can be told to answer 201, 404, 410, 429 or 500, or to hang for a while.
"""

import base64
import json
import os
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import decode as jwt_decode


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class _Server(ThreadingHTTPServer):
    # A real push service takes hundreds of new connections at once; socketserver's default
    # backlog of 5 would drop the connects of a burst, and the kernel retries them a second
    # later: the benchmark would measure this fake's queue, not the app's sending.
    request_queue_size = 1024


@dataclass
class Message:
    """One push the service accepted or refused, as decrypted."""

    name: str
    payload: dict
    headers: dict
    claims: dict
    status: int
    at: float = field(default_factory=time.time)


@dataclass
class _Subscription:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    answers: deque = field(default_factory=deque)
    retry_after: str | None = None
    hang: float = 0.0


class FakePushService:
    """An HTTP push service on 127.0.0.1 in a background thread.

    `latency` makes every answer wait that many seconds after the message arrived, as a real
    push service over the internet does (50-300 ms). With `defer` the service only notes
    each message's arrival and checks and decrypts it later, when it is asked what it
    received: a benchmark then measures the app's sending, not the service's decrypting.
    """

    def __init__(self, default_status: int = 201, latency: float = 0.0, defer: bool = False):
        self.default_status = default_status
        self.latency, self.defer = latency, defer
        self.raw: list[tuple] = []  # (name, body, headers, arrival) waiting to be decrypted
        self.subscriptions: dict[str, _Subscription] = {}
        self.messages: list[Message] = []
        self.refusals: list[tuple[str, str]] = []  # (name, why) for bad requests
        self.begun: Counter = Counter()  # requests that arrived, answered or not, by name
        self.lock = threading.Condition()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self, name: str | None = None) -> dict:
        """Return a new subscription, as PushSubscription.toJSON() in a browser gives it."""
        name = name or b64url(os.urandom(9))
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.subscriptions[name] = _Subscription(key, auth)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{name}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }

    def answer(self, name: str, *statuses: int, retry_after: str | None = None) -> None:
        """Answer the next pushes to a subscription with these statuses (then the default)."""
        sub = self.subscriptions[name]
        sub.answers.extend(statuses)
        sub.retry_after = retry_after

    def hang(self, name: str, seconds: float) -> None:
        """Keep every request to this subscription waiting (a slow or stuck push service)."""
        self.subscriptions[name].hang = seconds

    def received(self, name: str | None = None, status: int | None = 201) -> list[Message]:
        """Return the accepted (or other-status) messages, of one subscription or all."""
        with self.lock:
            self._decrypt_deferred()
            return self._matching(name, status)

    def _matching(self, name: str | None, status: int | None) -> list[Message]:
        return [
            m
            for m in self.messages
            if (name is None or m.name == name) and (status is None or m.status == status)
        ]

    def _count(self, name: str | None) -> int:
        """Messages accepted so far; with `defer`, every arrival (checked later)."""
        if self.defer:
            return len(self.raw) + len(self._matching(name, 201))
        return len(self._matching(name, 201))

    def wait_for(self, count: int, timeout: float = 10, name: str | None = None) -> list[Message]:
        """Wait until at least `count` messages were accepted; return them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self._count(name) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
        return self.received(name)

    def _verify(self, name: str, headers) -> dict:
        """Check the VAPID header and return its claims; raise ValueError when wrong."""
        auth = headers.get("Authorization", "")
        scheme, _sep, params = auth.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("no vapid authorization")
        parts = dict(p.split("=", 1) for p in params.split(","))
        claims = jwt_decode(parts["t"], parts["k"])  # raises InvalidSignature when forged
        if claims.get("aud") != self.origin:
            raise ValueError(f"audience {claims.get('aud')}")
        if int(claims.get("exp", 0)) < time.time() or "sub" not in claims:
            raise ValueError("expired or no subject")
        if headers.get("Content-Encoding") != "aes128gcm" or headers.get("TTL") is None:
            raise ValueError("content encoding or TTL missing")
        return claims

    def _decrypt_deferred(self) -> None:
        """Check and decrypt the messages noted on arrival (called with the lock held)."""
        for name, body, headers, arrival, status in self.raw:
            message = self._open(name, body, headers, status, arrival)
            if message is not None:
                self.messages.append(message)
        self.raw.clear()

    def _open(self, name, body, headers, status, arrival) -> Message | None:
        """Verify and decrypt one message; note a refusal and return None when it is wrong."""
        sub = self.subscriptions[name]
        try:
            claims = self._verify(name, headers)
            plain = http_ece.decrypt(
                body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
            )
            payload = json.loads(plain)
        except Exception as exc:  # noqa: BLE001 - any fault is a refused request
            self.refusals.append((name, repr(exc)))
            return None
        lowered = {k.lower(): v for k, v in headers.items()}
        return Message(name, payload, lowered, claims, status, at=arrival)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        arrival = time.time()
        name = handler.path.rsplit("/", 1)[-1]
        with self.lock:
            self.begun[name] += 1
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        sub = self.subscriptions.get(name)
        if sub is None:
            return self._reply(handler, 404)
        if sub.hang:
            time.sleep(sub.hang)
        status = sub.answers.popleft() if sub.answers else self.default_status
        if self.defer:
            with self.lock:
                self.raw.append((name, body, handler.headers, arrival, status))
                self.lock.notify_all()
        else:
            message = self._open(name, body, handler.headers, status, arrival)
            if message is None:
                return self._reply(handler, 400)
            with self.lock:
                self.messages.append(message)
                self.lock.notify_all()
        if self.latency:
            time.sleep(self.latency)
        extra = {"Retry-After": sub.retry_after} if status == 429 and sub.retry_after else {}
        self._reply(handler, status, extra)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, headers: dict | None = None) -> None:
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services do

            def do_POST(self):  # noqa: N802 - http.server's naming
                service._handle(self)

            def log_message(self, *args):  # quiet
                pass

        return Handler
