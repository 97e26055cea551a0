"""A local fake push service for tests and benchmarks (TESTING.md: web push without internet).

It hands out subscriptions whose keys it owns, so it can decrypt every message (aes128gcm,
RFC 8291) and verify the VAPID signature (RFC 8292) like a real push service would. Each
subscription can be told to answer 201, 404, 410, 429 or 500, or to hang for a while.
"""

import asyncio
import base64
import json
import os
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http import HTTPStatus

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import decode as jwt_decode


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


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
    """An HTTP/1.1 push service on 127.0.0.1, on an asyncio loop in a background thread.

    A real push service runs on machines of its own; this one shares the cores with the app
    it answers, so it is kept light: one loop (not a thread per connection, as http.server
    would: 25 % of a core in a burst of 2,000 pushes, measured), keep-alive, a backlog of
    1,024 so the connects of a burst are never dropped and retried a second later.

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
        self.loop = asyncio.new_event_loop()
        listening = threading.Event()

        def serve() -> None:  # the loop is started in its own thread: the test's thread may
            # run a loop of its own already (Playwright's sync API does)
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
            )
            listening.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        listening.wait(10)
        self.port = self.server.sockets[0].getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        async def stop():
            self.server.close()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()  # the connections still open, a hanging answer among them

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

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
        self._decrypt_deferred()
        with self.lock:
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
        auth = headers.get("authorization", "")
        scheme, _sep, params = auth.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("no vapid authorization")
        parts = dict(p.split("=", 1) for p in params.split(","))
        claims = jwt_decode(parts["t"], parts["k"])  # raises InvalidSignature when forged
        if claims.get("aud") != self.origin:
            raise ValueError(f"audience {claims.get('aud')}")
        if int(claims.get("exp", 0)) < time.time() or "sub" not in claims:
            raise ValueError("expired or no subject")
        if headers.get("content-encoding") != "aes128gcm" or headers.get("ttl") is None:
            raise ValueError("content encoding or TTL missing")
        return claims

    def _decrypt_deferred(self) -> None:
        """Check and decrypt the messages noted on arrival, outside the lock: the service
        takes pushes meanwhile (3,000 take about a second, and holding the lock that long
        would stall every answer of a benchmark still running)."""
        with self.lock:
            raw, self.raw = self.raw, []
        opened = [
            self._open(name, body, headers, status, at) for name, body, headers, at, status in raw
        ]
        with self.lock:
            self.messages += [message for message in opened if message is not None]
            self.lock.notify_all()

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
        return Message(name, payload, headers, claims, status, at=arrival)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one connection's requests, one after another (HTTP/1.1 keep-alive)."""
        try:
            while request := await self._read_request(reader):
                path, headers, body = request
                status, extra = await self._handle(path, headers, body)
                reason = HTTPStatus(status).phrase
                lines = [f"HTTP/1.1 {status} {reason}", "Content-Length: 0"]
                lines += [f"{key}: {value}" for key, value in extra.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away (a timeout, a test's end)
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict, bytes] | None:
        """Read one request: its path, its headers (names in lower case) and its body."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the connection closed between requests
        request, *lines = head.decode("latin-1").split("\r\n")
        _method, path, _version = request.split(" ", 2)
        headers = {}
        for line in lines:
            if line:
                name, _sep, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        return path, headers, body

    async def _handle(self, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        """Take one push; return the status and extra headers to answer with."""
        arrival = time.time()
        name = path.rsplit("/", 1)[-1]
        with self.lock:
            self.begun[name] += 1
        sub = self.subscriptions.get(name)
        if sub is None:
            return 404, {}
        if sub.hang:
            await asyncio.sleep(sub.hang)
        status = sub.answers.popleft() if sub.answers else self.default_status
        if self.defer:
            with self.lock:
                self.raw.append((name, body, headers, arrival, status))
                self.lock.notify_all()
        else:
            message = self._open(name, body, headers, status, arrival)
            if message is None:
                return 400, {}
            with self.lock:
                self.messages.append(message)
                self.lock.notify_all()
        if self.latency:
            await asyncio.sleep(self.latency)
        return status, {
            "Retry-After": sub.retry_after
        } if status == 429 and sub.retry_after else {}
