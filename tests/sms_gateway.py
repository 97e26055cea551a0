"""A local double of CM.com's Business Messaging gateway (POST /v1.0/message, JSON).

It checks the product token and the shape of each request as the real gateway does, keeps
every message it accepted, and can be told to answer with one of the gateway's errors, with
an HTTP error, with a redirect, or to be slow.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "00000000-0000-0000-0000-000000000000"
PATH = "/v1.0/message"


@dataclass
class Sms:
    """One message as the gateway received it."""

    sender: str
    to: str
    text: str
    reference: str
    at: float = field(default_factory=time.time)


class FakeSmsGateway:
    """CM.com's gateway on 127.0.0.1, in a background thread."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.messages: list[Sms] = []
        self.requests = 0
        self.answers: list[tuple[int, int]] = []  # (HTTP status, errorCode) for the next ones
        self.delay = 0.0
        self.lock = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, *answers: tuple[int, int]) -> None:
        """Answer the next requests with these (HTTP status, errorCode) pairs, then accept."""
        self.answers.extend(answers)

    def slow(self, seconds: float) -> None:
        """Wait this long before answering each request (a slow or stuck provider)."""
        self.delay = seconds

    def wait_for(self, count: int, timeout: float = 10) -> list[Sms]:
        """Wait until at least `count` messages were accepted; return them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.lock.wait(max(0.0, deadline - time.monotonic()))
            return list(self.messages)

    def _reply(self, handler, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        with self.lock:
            self.requests += 1
            planned = self.answers.pop(0) if self.answers else None
        if self.delay:
            time.sleep(self.delay)
        if handler.path != PATH:
            return self._reply(handler, 404, {"details": "Not found", "errorCode": 999})
        try:
            messages = json.loads(body)["messages"]
            token = messages["authentication"]["producttoken"]
            msg = messages["msg"][0]
            sms = Sms(
                msg["from"], msg["to"][0]["number"], msg["body"]["content"], msg["reference"]
            )
        except (ValueError, KeyError, IndexError, TypeError):
            return self._reply(handler, 400, {"details": "Malformed request", "errorCode": 202})
        if token != self.token:
            return self._reply(
                handler, 400, {"details": "Authentication failed", "errorCode": 101}
            )
        if planned:
            return self._planned(handler, sms, *planned)
        with self.lock:
            self.messages.append(sms)
            self.lock.notify_all()
        self._reply(handler, 200, self._result(sms, "Accepted", 0, "Created 1 message(s)"))

    def _planned(self, handler, sms: Sms, status: int, error: int) -> None:
        if 300 <= status < 400:
            return self._reply(handler, status, {}, {"Location": "http://127.0.0.1:9/elsewhere"})
        details = {101: "Authentication failed", 102: "Balance insufficient", 500: "Error"}
        self._reply(handler, status, self._result(sms, "Rejected", error, details.get(error, "")))

    @staticmethod
    def _result(sms: Sms, status: str, error: int, details: str) -> dict:
        return {
            "details": details,
            "errorCode": error,
            "messages": [
                {
                    "to": sms.to,
                    "status": status,
                    "reference": sms.reference,
                    "parts": 1,
                    "messageDetails": None if not error else details,
                    "messageErrorCode": error,
                }
            ],
        }

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                gateway._handle(self)

            def log_message(self, *args):  # quiet
                pass

        return Handler
