"""Benchmark `failover`: lose the primary machine under load, take over on a standby.

The scenario of tests/failover.py, at benchmark size: a primary (`flask serve` and `flask
replicate`, Litestream shipping every commit to a replica folder) takes a stream of reports
from a phone; visits fall due just after the machine is lost (SIGKILL to every process at
once); after `--outage` seconds a standby restores from the replica (`flask takeover`) and
starts. Prints one JSON line with what was lost and how long it took:

    {"bench": "failover", "rpo_writes_lost": 30, "rpo_s": 0.2, "rto_s": 9.4, ...}

rpo_writes_lost: reports the primary had confirmed that the standby lacks; rpo_s: how long
before the kill the oldest of them was confirmed; rto_s: from the kill to the first late
alarm at the push service (outage included); takeover_s: from starting the standby to it.

Usage: python tests/benchmarks/bench_failover.py [--visits 20] [--outage 8]
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import failover  # noqa: E402
from tests.push_service import FakePushService  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--outage", type=float, default=8.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="vop-bench-failover-"))
    service = FakePushService()
    try:
        result = failover.run(workdir, service, visits=args.visits, outage=args.outage)
    finally:
        service.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({"bench": "failover", **result}))


if __name__ == "__main__":
    main()
