"""The sidecar lab's services on the real local runtime: what the lab's checks take for granted.

The checks judge the learner's shipper and ambassador; they rely on legacy-app rotating its log
and reporting whether anyone changed it, on the collector keeping each id once and counting
repeats, on a restarted collector remembering, on the shipper's blocks splitting long lines and
replacing bad bytes, on config refusing bad settings with the field's name while the ambassador
keeps the last good ones, and on the ambassador answering an unrouted path itself. One lab run,
with the solution as the workspace, serves the module.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from workbench.lab import Lab, load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime

SIDECAR_LAB = Path(__file__).resolve().parents[2] / "labs" / "sidecar"
T = TypeVar("T")


def eventually(check: Callable[[], T], within: float = 5.0, message: str = "") -> T:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message or f"not true within {within} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(SIDECAR_LAB)


@pytest.fixture(scope="module")
def running(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workspace = tmp_path_factory.mktemp("sidecar-workspace")
    for name in ("shipper.py", "ambassador.py"):
        shutil.copy(SIDECAR_LAB / "solution" / name, workspace / name)
    state = tmp_path_factory.mktemp("sidecar-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        runtime = LocalRuntime()
        deployment = runtime.up(lab, workspace, deadline=90)
        try:
            yield deployment
        finally:
            runtime.down(deployment)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def write(http: httpx.Client, running: Deployment, **body: Any) -> list[str]:
    answer = http.post(f"{running.url('legacy-app')}/_admin/write", json=body)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["lines"])


def collected(http: httpx.Client, running: Deployment, text: str) -> dict[str, Any]:
    answer = http.get(f"{running.url('collector')}/lines", params={"contains": text})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# -- legacy-app and the shipper --------------------------------------------------------------------


def test_a_rotation_keeps_both_files_intact_and_every_line_is_shipped(
    http: httpx.Client, running: Deployment
) -> None:
    text = f"rot-{uuid.uuid4().hex[:6]}"
    old = write(http, running, n=3, text=text)
    rotated = http.post(f"{running.url('legacy-app')}/_admin/rotate").json()
    assert [f["name"] for f in rotated["files"]] == ["app.log.1"]
    new = write(http, running, n=2, text=text)
    files = http.get(f"{running.url('legacy-app')}/_admin/files").json()
    assert [(f["name"], f["intact"]) for f in files["files"]] == [
        ("app.log", True),
        ("app.log.1", True),
    ]
    assert files["unexpected"] == []
    got = eventually(
        lambda: (c := collected(http, running, text))["lines"] and len(c["lines"]) == 5 and c
    )
    assert [line["text"] for line in got["lines"]] == old + new
    assert got["received_twice"] == 0


def test_a_line_written_in_two_parts_is_shipped_whole(
    http: httpx.Client, running: Deployment
) -> None:
    text = f"half-{uuid.uuid4().hex[:6]}"
    assert write(http, running, tail=f"{text} begins") == []
    time.sleep(0.5)
    assert collected(http, running, text)["lines"] == []
    (line,) = write(http, running, lines=[" and ends"])
    assert line.endswith(f"{text} begins and ends")
    eventually(lambda: [x["text"] for x in collected(http, running, text)["lines"]] == [line])


def test_a_long_line_is_split_and_marked_and_bad_bytes_are_replaced(
    http: httpx.Client, running: Deployment
) -> None:
    text = f"long-{uuid.uuid4().hex[:6]}"
    write(http, running, lines=[text + "y" * (70 * 1024) + text])
    write(http, running, raw_hex=(f"{text}-bytes caf".encode() + b"\xff\n").hex())
    got = eventually(lambda: len((c := collected(http, running, text))["lines"]) == 3 and c)
    first, second, third = (line["text"] for line in got["lines"])
    assert first.startswith("[part 1/2] ") and second.startswith("[part 2/2] ")
    assert third == f"{text}-bytes caf\ufffd"


def test_bad_writes_are_refused_with_the_field(http: httpx.Client, running: Deployment) -> None:
    answer = http.post(f"{running.url('legacy-app')}/_admin/write", json={"lines": ["a\nb"]})
    assert answer.status_code == 422 and "lines" in answer.text
    answer = http.post(f"{running.url('legacy-app')}/_admin/write", json={"raw_hex": "zz"})
    assert answer.status_code == 422 and "raw_hex" in answer.text


# -- the collector -------------------------------------------------------------------------------


def test_the_collector_keeps_an_id_once_and_counts_the_repeats(
    http: httpx.Client, running: Deployment
) -> None:
    text = f"col-{uuid.uuid4().hex[:6]}"
    url = f"{running.url('collector')}/lines"
    batch = [{"id": f"{text}-1", "text": f"{text} one"}, {"id": f"{text}-2", "text": f"{text} two"}]
    assert http.post(url, json=batch).json() == {"received": 2, "new": 2}
    assert http.post(url, json=batch[1:]).json() == {"received": 1, "new": 0}
    got = collected(http, running, text)
    assert [(line["text"], line["times"]) for line in got["lines"]] == [
        (f"{text} one", 1),
        (f"{text} two", 2),
    ]
    assert got["received_twice"] == 1
    first, again = got["lines"][1]["batches"]
    assert again > first


def test_the_collector_refuses_a_malformed_batch_naming_the_item(
    http: httpx.Client, running: Deployment
) -> None:
    url = f"{running.url('collector')}/lines"
    text = f"bad-{uuid.uuid4().hex[:6]}"
    answer = http.post(url, json=[{"id": text, "text": text}, {"id": 3, "text": "no"}])
    assert answer.status_code == 422 and "item 1: id" in answer.text
    assert http.post(url, json={"id": "x"}).status_code == 422
    assert collected(http, running, text)["lines"] == [], "nothing of a refused batch is kept"


def test_a_killed_collector_remembers_and_the_shipper_catches_up(
    http: httpx.Client, running: Deployment
) -> None:
    runtime = LocalRuntime()
    text = f"down-{uuid.uuid4().hex[:6]}"
    before = write(http, running, n=2, text=text)
    eventually(lambda: len(collected(http, running, text)["lines"]) == 2)
    runtime.kill(running, "collector")
    during = write(http, running, n=3, text=text)
    runtime.restart(running, "collector")
    got = eventually(lambda: len((c := collected(http, running, text))["lines"]) == 5 and c)
    assert [line["text"] for line in got["lines"]] == before + during
    assert got["received_twice"] == 0


# -- config and the ambassador ---------------------------------------------------------------------


def test_config_refuses_bad_settings_naming_the_field_and_keeps_the_last_good(
    http: httpx.Client, running: Deployment
) -> None:
    url = f"{running.url('config')}/kv/ambassador"
    good = http.put(url, json={"attempts": 2}).json()
    for change, field in (
        ({"per_try_timeout_s": -1}, "per_try_timeout_s"),
        ({"retries": 3}, "retries"),
        ({"bulkhead": {"search": 2}}, "bulkhead.search"),
        ({"bulkhead": {"payments": 0}}, "bulkhead.payments"),
        ({"attempts": True}, "attempts"),
    ):
        answer = http.put(url, json=change)
        assert answer.status_code == 422, change
        assert answer.json()["detail"].startswith(field), answer.text
    assert http.get(url).json() == good
    ambassador = running.url("ambassador")
    eventually(lambda: http.get(f"{ambassador}/info").json()["config_version"] == good["version"])
    info = http.get(f"{ambassador}/info").json()
    assert info["config"]["attempts"] == 2
    assert http.delete(url).json()["value"]["attempts"] == 3


def test_an_unrouted_path_is_answered_by_the_ambassador_alone(
    http: httpx.Client, running: Deployment
) -> None:
    answer = http.get(f"{running.url('ambassador')}/x")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no route for /x"}


def test_the_app_passes_the_ambassadors_answer_and_the_key_on(
    http: httpx.Client, running: Deployment
) -> None:
    reference = f"ref-{uuid.uuid4().hex[:6]}"
    app = running.url("legacy-app")
    body = {"reference": reference, "amount_cents": 700}
    first = http.post(f"{app}/payments", json=body, headers={"Idempotency-Key": reference})
    again = http.post(f"{app}/payments", json=body, headers={"Idempotency-Key": reference})
    assert (first.status_code, again.status_code) == (201, 200)
    ledger = http.get(f"{running.url('payments')}/ledger", params={"reference": reference}).json()
    assert [(p["key"], p["repeats"]) for p in ledger["payments"]] == [(reference, 1)]
    assert http.get(f"{app}/recommendations/ghost-1").status_code == 404
