"""gunicorn on a real host: several worker processes; the escalator runs beside them as its own
service (`flask --app app escalator`, deploy/veilig-op-pad-escalator.service).

    VOP_DATA_DIR=/var/lib/veilig-op-pad .venv/bin/gunicorn -c gunicorn.conf.py 'app:create_app()'

`make run` serves with waitress in one process instead (see README). docs/operations.md
gives the measured throughput of both.
"""

import os

from gunicorn.http import wsgi

bind = os.environ.get("VOP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VOP_WORKERS", "2"))  # processes: one per core
threads = int(os.environ.get("VOP_THREADS", "8"))  # requests each process serves at once
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None  # the app logs one JSON line per request itself (app/logs.py)
forwarded_allow_ips = os.environ.get("VOP_FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn always sends "Server: gunicorn" and has no setting against it; the app promises
# no Server header naming its software, so the line is left out here.
_default_headers = wsgi.Response.default_headers


def _without_server(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


wsgi.Response.default_headers = _without_server
