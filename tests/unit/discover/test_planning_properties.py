"""Property-based tests (hypothesis): whatever Zoom's listings or webhook payloads hold, planning never crashes
the run. A bad record is reported with its reason and counted; every good record is planned, with a key that
stays inside the prefix, and everything planned can travel through XCom and S3 metadata.

The generated records mix well-formed files with missing keys, nulls, wrong types, huge and unicode strings
(lone surrogates and control characters included, as ``json.loads`` can produce them), unknown file types and
duplicate ids.
"""

from __future__ import annotations

import json
import re
import string
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.dates import Window
from zoom_archiver.discover.planning import MAX_REPORT_CHARS, Filters, Plan, Planner, select_batch
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, MAX_KEY_BYTES
from zoom_archiver.model import PlannedFile

PREFIX = "zoom"
WINDOW = Window(date(2024, 11, 1), date(2024, 12, 5))
TEMPLATES = [DEFAULT_KEY_TEMPLATE, "{prefix}/{host_id}/{meeting_id}/{file_type}/{file_id}.{ext}"]
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- scalar strategies ------------------------------------------------------------------------------------------
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.sampled_from([
        "", " ", ".", "..", "/", "//", "../../etc/passwd", "a/../b", "\x00", "\r\nX-Injected: 1", "\ud800",
        "lone \udfff surrogate", "🎉🚀", "Планёрка", "週次ミーティング", "\u202eevil\u202c", "%2F%2e%2e", "\\\\server",
        "x" * 5000, "é" * 3000, "null", "None", "0", "-1", "1e309", "NaN",
    ]),
)  # fmt: skip
JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), NASTY_TEXT,
)  # fmt: skip
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
FILE_TYPES = ["MP4", "M4A", "TIMELINE", "TRANSCRIPT", "CHAT", "CC", "CSV", "SUMMARY", "TB", "HOLOGRAM", "", "mp4"]
ZOOM_TIME = st.datetimes(
    min_value=__import__("datetime").datetime(2024, 10, 25), max_value=__import__("datetime").datetime(2024, 12, 10)
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
FILE_ID = st.uuids().map(str)
UUID = st.one_of(
    st.binary(min_size=16, max_size=16).map(lambda b: __import__("base64").b64encode(b).decode()),
    st.sampled_from(["/ajXp112QmuoKj4854875==", "//kZ7LmQTe2Fq9wYc+R3Bg==", "Mq//8bXcRfe7Vq3aSxW+Pw=="]),
)


@st.composite
def good_file(draw: Any) -> dict[str, Any]:
    file_type = draw(st.sampled_from(FILE_TYPES + ["".join(draw(st.lists(st.sampled_from(string.ascii_uppercase),
                                                                          min_size=1, max_size=12)))]))  # fmt: skip
    record: dict[str, Any] = {
        "id": draw(FILE_ID),
        "file_type": file_type,
        "file_size": draw(st.integers(min_value=0, max_value=2**45)),
        "download_url": "https://us06web.zoom.us/rec/download/" + draw(st.text(string.ascii_letters, min_size=1)),
        "recording_start": draw(ZOOM_TIME),
    }
    if draw(st.booleans()):
        record["status"] = "completed"
    if draw(st.booleans()):
        record["recording_type"] = draw(NASTY_TEXT)
    if draw(st.booleans()):
        record["file_extension"] = draw(NASTY_TEXT)
    return record


@st.composite
def bad_file(draw: Any) -> Any:
    """A file record that is either not an object or has one field broken, removed or replaced."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUE.filter(lambda v: not isinstance(v, dict)))
    record = draw(good_file())
    field = draw(st.sampled_from(["id", "file_type", "file_size", "download_url", "status", "recording_type",
                                  "file_extension", "recording_start"]))  # fmt: skip
    if draw(st.booleans()):
        record.pop(field, None)
    else:
        record[field] = draw(JSON_VALUE)
    return record


@st.composite
def meeting(draw: Any, *, valid: bool) -> Any:
    files = draw(st.lists(st.one_of(good_file(), bad_file()), max_size=6))
    record: dict[str, Any] = {
        "uuid": draw(UUID),
        "id": draw(st.integers(min_value=10**9, max_value=10**11)),
        "host_id": draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=22)),
        "topic": draw(NASTY_TEXT),
        "start_time": draw(ZOOM_TIME),
        "recording_files": files,
    }
    if not valid:
        for field in draw(st.lists(st.sampled_from(sorted(record)), min_size=1, max_size=3, unique=True)):
            if draw(st.booleans()):
                record.pop(field)
            else:
                record[field] = draw(JSON_VALUE)
    return record


HOST = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=22)},
    optional={"email": st.one_of(st.emails(), NASTY_TEXT, JSON_SCALAR), "status": st.sampled_from(["active", "x"])},
)


@st.composite
def listing(draw: Any) -> list[Any]:
    """A page of meetings: valid ones, broken ones, non-objects, and duplicates (a meeting listed twice, the same
    file id in two meetings)."""
    meetings = draw(st.lists(st.one_of(meeting(valid=True), meeting(valid=False), JSON_VALUE), max_size=6))
    if meetings and draw(st.booleans()):
        meetings.append(draw(st.sampled_from(meetings)))
    dicts = [m for m in meetings if isinstance(m, dict) and isinstance(m.get("recording_files"), list)]
    if len(dicts) >= 2 and draw(st.booleans()):
        source = next((f for m in dicts for f in m["recording_files"] if isinstance(f, dict) and "id" in f), None)
        if source is not None:
            dicts[-1]["recording_files"].append(dict(source))
    return meetings


def webhook(meeting_object: Any, host_email: Any) -> dict[str, Any]:
    """A ``recording.completed`` webhook body around a meeting object (what a webhook-driven archiver plans)."""
    payload = meeting_object if not isinstance(meeting_object, dict) else {**meeting_object, "host_email": host_email}
    return {"event": "recording.completed", "event_ts": 1, "payload": {"account_id": "acc", "object": payload},
            "download_token": "x" * 40}  # fmt: skip


GOOD_KEYS = {"id", "file_type", "file_size", "download_url", "recording_start", "status", "recording_type",
             "file_extension"}  # fmt: skip


def is_good(record: Any) -> bool:
    """A file record as :func:`good_file` makes it (nothing broken, removed or replaced)."""
    if not isinstance(record, dict) or not set(record) <= GOOD_KEYS:
        return False
    return (
        isinstance(record.get("id"), str) and re.fullmatch(r"[\x21-\x7e]{1,256}", record["id"]) is not None
        and str(record.get("download_url")).startswith("https://us06web.zoom.us/")
        and isinstance(record.get("file_size"), int) and not isinstance(record.get("file_size"), bool)
        and record["file_size"] >= 0
        and record.get("status", "completed") == "completed"
        and isinstance(record.get("file_type"), str) and isinstance(record.get("recording_start"), str)
        and all(isinstance(record.get(k, ""), str) for k in ("recording_type", "file_extension"))
    )  # fmt: skip


def plan_one(record: Any, host: dict[str, Any], template: str, filters: Filters = Filters()) -> Plan:
    planner = Planner(window=WINDOW, filters=filters, template=template, prefix=PREFIX)
    planner.add(record, host)
    return planner.plan


def assert_plannable(planned: PlannedFile) -> None:
    """What the archive needs from a planned file: a bounded key inside the prefix, XCom- and header-safe data."""
    key = planned.key
    assert key.startswith(PREFIX + "/")
    assert len(key.encode("utf-8")) <= MAX_KEY_BYTES
    assert all(segment not in ("", ".", "..") for segment in key.split("/"))
    assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key)
    as_json = json.dumps(planned.to_dict(), ensure_ascii=False)
    as_json.encode("utf-8")  # no lone surrogates: XCom, logs and the metadata DB take it
    assert PlannedFile.from_dict(json.loads(as_json)) == planned
    for name, value in file_metadata(planned).items():
        assert value.isascii(), (name, value)
        assert value.isprintable(), (name, value)
        assert len(value) <= 256
    assert planned.file_size is None or planned.file_size >= 0


def assert_reported(plan: Plan) -> None:
    for rejected in plan.rejected:
        assert rejected.reason.strip()
        assert len(rejected.where) <= MAX_REPORT_CHARS
        assert len(rejected.reason) <= MAX_REPORT_CHARS
        (rejected.where + rejected.reason).encode("utf-8")


# --- properties -------------------------------------------------------------------------------------------------
def in_window(record: dict[str, Any]) -> bool:
    return WINDOW.start.isoformat() <= record["start_time"][:10] <= WINDOW.end.isoformat()


@PROFILE
@given(record=st.one_of(meeting(valid=True), meeting(valid=False), JSON_VALUE), host=HOST,
       template=st.sampled_from(TEMPLATES))  # fmt: skip
def test_one_meeting_never_crashes_and_every_file_is_accounted_for(record, host, template):
    plan = plan_one(record, host, template)
    assert_reported(plan)
    for planned in plan.files:
        assert_plannable(planned)
    files = record.get("recording_files") if isinstance(record, dict) else None
    counted = len(plan.files) + len(plan.rejected) + plan.not_ready + plan.filtered_out
    file_level = plan.files or plan.not_ready or any(" file #" in r.where for r in plan.rejected)
    if file_level:
        assert isinstance(files, list)
        assert counted == len(files), "every file record is planned, not ready or rejected"
    else:
        assert len(plan.rejected) <= 1, "a bad meeting is reported once, with its reason"
        if not isinstance(record, dict):
            assert len(plan.rejected) == 1


@PROFILE
@given(record=meeting(valid=True), host=HOST)
def test_every_good_file_of_a_valid_meeting_is_planned(record, host):
    plan = plan_one(record, host, DEFAULT_KEY_TEMPLATE)
    # Zoom listed it: a meeting starting outside the window is planned too (and counted), never dropped silently
    assert plan.outside_window == (0 if in_window(record) else len(plan.files))
    good = {f["id"] for f in record["recording_files"] if is_good(f)}
    assert good <= {f.file_id for f in plan.files}, plan.rejected
    assert all(" file #" in r.where for r in plan.rejected), "the meeting itself is fine"
    assert len(plan.files) + len(plan.rejected) + plan.not_ready == len(record["recording_files"])


@PROFILE
@given(pages=st.lists(listing(), min_size=1, max_size=3), host=HOST, template=st.sampled_from(TEMPLATES),
       cap=st.integers(1, 50), types=st.lists(st.sampled_from(FILE_TYPES), max_size=2))  # fmt: skip
def test_a_whole_listing_is_planned_deduplicated_and_batched(pages, host, template, cap, types):
    planner = Planner(window=WINDOW, filters=Filters.from_params(types, None), template=template, prefix=PREFIX)
    for page in pages:
        for record in page:
            planner.add(record, host)
    files = planner.files()
    plan = planner.plan
    assert_reported(plan)
    assert len({f.file_id for f in files}) == len(files), "a file id is archived once"
    assert len({f.key for f in files}) == len(files), "two files never share a key"
    for planned in files:
        assert_plannable(planned)
    batch, backlog = select_batch(files, {}, cap=cap)
    assert len(batch) <= cap
    assert sorted(f.file_id for f in batch + backlog) == sorted(f.file_id for f in files)
    assert [(f.start_time, f.meeting_uuid, f.file_id) for f in batch] == sorted(
        (f.start_time, f.meeting_uuid, f.file_id) for f in batch
    )
    json.dumps([[r.where, r.reason] for r in plan.rejected], ensure_ascii=False).encode("utf-8")


@PROFILE
@given(record=st.one_of(meeting(valid=True), meeting(valid=False), JSON_VALUE),
       host_email=st.one_of(st.emails(), JSON_SCALAR))  # fmt: skip
def test_webhook_shaped_payloads_never_crash_planning(record, host_email):
    body = webhook(record, host_email)
    obj = body["payload"]["object"]
    host = {"id": str(obj.get("host_id") or "") if isinstance(obj, dict) else "", "email": host_email}
    plan = plan_one(obj, host, DEFAULT_KEY_TEMPLATE)
    assert_reported(plan)
    for planned in plan.files:
        assert_plannable(planned)


@PROFILE
@given(record=meeting(valid=True), copies=st.integers(2, 4))
def test_duplicate_ids_are_archived_once(record, copies):
    planner = Planner(window=WINDOW, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix=PREFIX)
    for n in range(copies):  # the same meeting in overlapping windows, and its files re-listed under new uuids
        again = {**record, "uuid": record["uuid"] if n % 2 == 0 else f"{record['uuid']}-copy{n}"}
        planner.add(again, {"email": "h@example.com"})
    files = planner.files()
    plan = planner.plan
    assert len({f.file_id for f in files}) == len(files)
    distinct = {f.file_id for f in plan.files}
    assert {f.file_id for f in files} == distinct
    if copies > 2 and any(not f.derived_id for f in plan.files):  # derived ids include the meeting uuid
        assert any("duplicate file id" in r.reason for r in plan.rejected)
