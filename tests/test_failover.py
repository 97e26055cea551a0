"""Losing the primary machine: a standby takes over from the Litestream replica."""

from . import failover


def test_a_standby_takes_over_and_every_alarm_due_meanwhile_fires_once_late(
    tmp_path, push_service
):
    result = failover.run(tmp_path, push_service, visits=6, outage=6.0)
    print(result)
    assert result["missed"] == 0 and result["duplicates"] == 0
    assert result["alarms_once"] == result["visits"] == 6
    assert result["marked_late"] == 6  # logged as late, not silently
    assert result["confirmed_writes"] > 0  # the primary was under load when it died
    # What Litestream had not shipped yet is lost: the last moments before the kill only
    # (its sync interval is 200 ms; 2 s leaves room for a loaded machine).
    assert result["rpo_s"] <= 2.0
