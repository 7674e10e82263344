"""What discover hands commit (zoom_archiver.discover.summary): the summary survives the XCom, as JSON types."""

from __future__ import annotations

from tests.unit.discover.test_discovery import run
from zoom_archiver.discover.summary import DiscoverSummary


class TestWhatCommitIsTold:
    def test_the_summary_survives_an_xcom_round_trip(self, real_listing):
        import json

        summary = run(real_listing["meetings"], failing="u2").summary
        assert DiscoverSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
        assert DiscoverSummary.from_dict(summary.to_dict()) == summary

    def test_the_summary_holds_json_types_only(self, real_listing):
        # a tuple in an XCom reached the REST API (and the UI) as the string '(2026-11-24,2026-12-02)'
        data = run(real_listing["meetings"], failing="u2").summary.to_dict()

        def tuples(value):
            if isinstance(value, tuple):
                return True
            if isinstance(value, list):
                return any(tuples(v) for v in value)
            return isinstance(value, dict) and any(tuples(v) for v in value.values())

        assert not tuples(data)
        assert data["windows"] == [["2024-11-01", "2024-12-05"]]
