"""The /_emulator control plane, the seeds, and the Python API."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import requests

from zoom_emulator import ZoomEmulator
from zoom_emulator.seed_tricky import CASES


def test_health(client: Any) -> None:
    assert client.control("GET", "health") == {"ok": True}


def test_complete_processing(client: Any) -> None:
    processing = client.files(status="processing")
    assert len(processing) == 1
    f = processing[0]
    assert f["listed_size"] == 0
    assert f["file_type"] == "MP4"
    done = client.control("POST", "complete_processing", {"meeting_uuid": f["meeting_uuid"]})
    assert done == {"completed": [f["file_key"]]}
    meeting = client.v2(f"/meetings/{requests.utils.quote(f['meeting_uuid'], safe='')}/recordings").json()
    listed = next(x for x in meeting["recording_files"] if x["id"] == f["file_id"])
    assert listed["status"] == "completed"
    assert listed["file_type"] == "MP4"
    assert listed["file_extension"] == "MP4"
    assert listed["file_size"] == f["size"]
    assert listed["recording_type"]
    assert listed["recording_end"]
    got = client.fetch(listed["download_url"])
    assert hashlib.sha256(got.content).hexdigest() == f["sha256"]


def test_corrupt_plants_and_repairs_a_size_mismatch(client: Any) -> None:
    f = client.files(file_type="MP4")[0]
    client.control("POST", "corrupt", {"file_id": f["file_id"], "size_delta": -100})
    corrupted = client.files(file_key=f["file_key"])[0]
    assert (corrupted["listed_size"], corrupted["size"]) == (f["listed_size"], f["listed_size"] - 100)
    got = client.fetch(f["download_url"])
    assert len(got.content) == f["listed_size"] - 100
    assert hashlib.sha256(got.content).hexdigest() == corrupted["sha256"] != f["sha256"]
    client.control("POST", "corrupt", {"file_id": f["file_id"], "size_delta": 0})
    assert client.files(file_key=f["file_key"])[0]["sha256"] == f["sha256"]


def test_add_meeting(client: Any) -> None:
    added = client.control(
        "POST",
        "meetings",
        {
            "host_email": "tricia@example.com",
            "topic": "Benchmark giant",
            "start_time": f"{client.emu.state.today().isoformat()}T00:30:00Z",
            "recording_files": [{"file_type": "MP4", "file_size": 4 << 30}, {"file_type": "TIMELINE", "id": None}],
        },
    )
    assert added["host_email"] == "tricia@example.com"
    assert added["topic"] == "Benchmark giant"
    big, old = added["recording_files"]
    assert big["file_size"] == 4 << 30
    assert big["id"]
    assert big["status"] == "completed"
    assert "id" not in old
    assert "file_size" not in old
    entry = [f for f in client.control("GET", "files?sha256=0")["files"] if f["meeting_uuid"] == added["uuid"]]
    assert entry[0]["size"] == 4 << 30
    assert entry[0]["sha256"] is None
    location = client.redirect(big["download_url"]).headers["Location"]
    with requests.get(location, headers={"Range": f"bytes={(4 << 30) - 10}-"}, timeout=10) as tail:
        assert tail.status_code == 206
        assert len(tail.content) == 10
    listing = client.v2("/users/me/recordings").json()
    assert [m["uuid"] for m in listing["meetings"]] == [added["uuid"]]


def test_add_meeting_errors(client: Any) -> None:
    url = f"{client.emu.api_url}/_emulator/meetings"
    assert requests.post(url, json={"host_email": "nobody@example.com"}, timeout=10).status_code == 400
    bad_file = {"host_email": "tricia@example.com", "recording_files": [{"file_size": -1}]}
    assert requests.post(url, json=bad_file, timeout=10).status_code == 400
    assert client.v2("/users/me/recordings").json()["meetings"] == []


def test_stats_count_requests_and_downloads(client: Any) -> None:
    f = client.files(file_type="MP4")[0]
    client.v2("/users")
    client.fetch(f["download_url"])
    stats = client.control("GET", "stats")
    assert stats["tokens_minted"] == 1
    assert stats["requests"]["oauth"] == 1
    assert stats["requests"]["users"] == 1
    assert stats["requests"]["download_api"] == 1
    assert stats["requests"]["download_cdn"] == 1
    assert stats["downloads_by_file"] == {f["file_key"]: {"api": 1, "cdn": 1}}
    assert stats["cdn_bytes_sent"] == f["size"]
    client.control("POST", "stats/reset")
    assert client.control("GET", "stats")["requests"]["users"] == 0


def test_reset_loads_another_seed(client: Any) -> None:
    assert client.control("POST", "reset", {"seed": "demo"})["seed"] == "demo"
    files = client.files()
    blog = [f for f in files if f["meeting_uuid"] == "dj12vck6sdTn6yy7qdy3dQg=="]
    assert {f["file_type"] for f in blog} == {"MP4", "M4A", "TIMELINE", "TRANSCRIPT"}
    assert any(f["status"] == "processing" for f in files)
    bad = requests.post(f"{client.emu.api_url}/_emulator/reset", json={"seed": "nope"}, timeout=10)
    assert bad.status_code == 400


def test_cases_cover_the_documented_tricky_pitfalls(client: Any) -> None:
    cases = client.control("GET", "cases")["cases"]
    assert set(CASES) <= set(cases)
    assert len(cases["bulk_user"]["meeting_uuids"]) == 320
    assert len(cases["recurring"]["meeting_uuids"]) == 3
    assert len(next(iter(client.control("GET", "meetings")["meetings"]))) > 0
    hologram = client.files(file_type="HOLOGRAM")[0]
    assert hologram["file_extension"] == "HOLO"


def test_demo_seed_contains_the_blog_sample(make_client: Any) -> None:
    client = make_client("demo", today="2026-03-10")
    meeting = client.v2("/meetings/dj12vck6sdTn6yy7qdy3dQg%253D%253D/recordings").json()
    assert meeting["start_time"].startswith("2026-03-08")
    assert meeting["host_email"] == "somemeail@someemailservice.fjdjf"
    assert meeting["total_size"] == 529758
    files = {f.get("id"): f for f in meeting["recording_files"]}
    assert files["97a4f7ca-e7e8-4e3b-b28a-27b42cd33c09"]["download_url"].endswith(
        "/rec/play/7h0BBBBBBBchfhfhffh_0AAAAbbbbbeeSFcf209m"
    )
    assert set(files[None]) == {"meeting_id", "recording_start", "recording_end", "file_type", "download_url"}
    users = client.v2("/users").json()["users"] + client.v2("/users", status="inactive").json()["users"]
    assert len(users) == 3
    assert sum(u["status"] == "inactive" for u in users) == 1


def test_bench_seed_parameters() -> None:
    params = {"users": 10, "inactive_fraction": 0.2, "meetings": 100, "days": 10, "file_size": 2048}
    with ZoomEmulator("bench", today=date(2026, 1, 31), seed_params=params) as emu:
        files = emu.files(with_sha=False)
        assert len(files) == 100
        assert {f["size"] for f in files} == {2048}
        assert sum(f["host_status"] == "inactive" for f in files) == 20
        days = sorted({f["start_time"][:10] for f in files})
        assert (days[0], days[-1], len(days)) == ("2026-01-21", "2026-01-30", 10)


def test_python_api_is_deterministic() -> None:
    with ZoomEmulator("tricky", today="2026-02-01") as first, ZoomEmulator("tricky", today="2026-02-01") as second:
        assert first.files() == [
            {**f, "download_url": f["download_url"].replace(second.api_url, first.api_url)}
            | {"webhook_download_url": f["webhook_download_url"].replace(second.api_url, first.api_url)}
            for f in second.files()
        ]
        assert first.api_url.startswith("http://127.0.0.1:")
        assert first.cdn_url.startswith("http://localhost:")
