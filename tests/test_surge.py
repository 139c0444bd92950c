"""The load test's arithmetic (bench/surge.py): counting acknowledged ticks against the database, and the percentiles.
Pure: no database, no locust."""

from __future__ import annotations

from bench.surge import (
    Request,
    Tick,
    access_log_statuses,
    after_sign_in,
    note_seq,
    percentile,
    read_log,
    split_stages,
    summarise,
    sustained_rate,
    tick_audit,
)


def tick(item: int, seq: int, status: str = "done", user: str = "b00006") -> Tick:
    return Tick(item=item, note=f"surge:{user}:{seq}", status=status, user=user)


def test_note_seq_reads_only_surge_notes() -> None:
    assert note_seq("surge:b00006:17") == ("b00006", 17)
    assert note_seq("surge:b00006:") is None
    assert note_seq("按标准动作执行") is None
    assert note_seq("") is None


def test_every_acknowledged_tick_found_is_clean() -> None:
    acked = [tick(1, 1), tick(1, 2, "not_done"), tick(2, 3)]
    audit = tick_audit(acknowledged=acked, saved=acked, final_notes={1: "surge:b00006:2", 2: "surge:b00006:3"})
    assert audit.ok
    assert (audit.acknowledged, audit.found, audit.lost, audit.altered, audit.stale) == (3, 3, (), (), ())


def test_an_acknowledged_tick_missing_from_history_is_lost() -> None:
    acked = [tick(1, 1), tick(2, 2)]
    audit = tick_audit(acknowledged=acked, saved=[tick(1, 1)], final_notes={1: "surge:b00006:1", 2: "surge:b00006:2"})
    assert not audit.ok
    assert audit.lost == ("surge:b00006:2",)
    assert audit.found == 1


def test_a_tick_stored_with_another_answer_is_altered() -> None:
    audit = tick_audit(acknowledged=[tick(1, 1, "done")], saved=[tick(1, 1, "not_done")], final_notes={1: "surge:b00006:1"})
    assert audit.altered == ("surge:b00006:1",)
    assert not audit.ok


def test_an_item_left_with_an_older_answer_is_stale() -> None:
    acked = [tick(1, 4), tick(1, 9)]
    audit = tick_audit(acknowledged=acked, saved=acked, final_notes={1: "surge:b00006:4"})
    assert audit.stale == (1,)
    assert not audit.ok


def test_a_later_unacknowledged_tick_is_neither_lost_nor_stale() -> None:
    # The run stopped while tick 5 was in flight: the server saved it, the client never saw the 200.
    audit = tick_audit(acknowledged=[tick(1, 4)], saved=[tick(1, 4), tick(1, 5)], final_notes={1: "surge:b00006:5"})
    assert audit.ok
    assert audit.unacknowledged == 1


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_summarise_counts_refusals_failures_and_server_errors_per_kind() -> None:
    requests = [
        Request("tick", 200, 100, True, 1000.0),
        Request("tick", 422, 50, True, 1001.0),
        Request("tick", 502, 10, False, 1002.0),
        Request("checklist", 0, 30, False, 1003.9),  # no answer at all
        Request("upload", 302, 20, False, 1004.0),  # unexpected, not a server error
    ]
    rows = {row.name: row for row in summarise(requests)}
    assert [name for name in rows] == ["checklist", "tick", "upload", "all"]
    assert (rows["tick"].count, rows["tick"].refused, rows["tick"].failures, rows["tick"].server_errors) == (3, 1, 1, 1)
    assert (rows["all"].failures, rows["all"].server_errors) == (3, 2)
    assert rows["all"].rps == 5 / (1004.0 - (1000.0 - 0.1))


def test_after_sign_in_keeps_requests_started_once_the_last_lead_signed_in() -> None:
    requests = [
        Request("sign-in", 302, 500, True, 10.0),
        Request("tick", 200, 2000, True, 11.0),  # started at 9.0, queued behind the sign-ins
        Request("sign-in", 302, 500, True, 12.0),
        Request("tick", 200, 100, True, 12.2),
    ]
    assert after_sign_in(requests) == [requests[3]]


def test_read_log_parses_requests_ticks_and_uploads() -> None:
    lines = [
        '{"type": "request", "name": "tick", "status": 200, "ms": 12.5, "ok": true, "at": 5.0}',
        '{"type": "tick", "item": 3, "note": "surge:b00006:1", "status": "na", "user": "b00006"}',
        '{"type": "tick_refused", "item": 3, "note": "surge:b00006:2", "status": "done", "user": "b00006"}',
        '{"type": "upload", "item": 3, "user": "b00006"}',
        '{"type": "upload", "item": 3, "user": "b00006"}',
        "",
    ]
    log = read_log(lines)
    assert log.requests == [Request("tick", 200, 12.5, True, 5.0)]
    assert log.ticks == [Tick(3, "surge:b00006:1", "na", "b00006")]
    assert (log.ticks_refused, log.uploads, log.uploads_refused) == (1, {3: 2}, 0)


def test_access_log_statuses_leave_out_health_checks() -> None:
    lines = ["200 GET /healthz 3", "302 POST /accounts/login/ 540", "500 POST /audits/selfchecks/items/7/ 12", ""]
    assert access_log_statuses(lines) == [302, 500]


def test_stages_split_requests_by_when_they_started_and_the_best_rate_keeps_p95_within_300_ms() -> None:
    requests = [Request("tick", 200, 100, True, 100.2 + i * 0.5) for i in range(20)]  # stage 0: 2 req/s, 100 ms
    requests += [Request("tick", 200, 250, True, 110.3 + i * 0.1) for i in range(90)]  # stage 1: 9 req/s, 250 ms
    requests += [Request("tick", 200, 900, True, 121.0 + i * 0.05) for i in range(150)]  # stage 2: 15 req/s, slow
    requests.append(Request("sign-in", 302, 400, True, 99.0))  # before the stages: counted in none
    stages = split_stages(requests, started=100.0, thinks=[8, 4, 2], seconds=10)
    assert [len(s.requests) for s in stages] == [20, 90, 150]
    assert [s.rps for s in stages] == [2.0, 9.0, 15.0]
    best = sustained_rate(stages)
    assert best is stages[1] and best.p95 == 250
    stages[1].requests.append(Request("tick", 502, 10, True, 115.0))  # a server error disqualifies the stage
    assert sustained_rate(stages) is stages[0]
    assert sustained_rate(split_stages([], started=0, thinks=[1], seconds=10)) is None


def test_read_log_keeps_when_the_stages_began() -> None:
    log = read_log(['{"type": "stages", "started": 12.5, "stages": [6, 3], "seconds": 30}'])
    assert log.stages == {"type": "stages", "started": 12.5, "stages": [6, 3], "seconds": 30}
