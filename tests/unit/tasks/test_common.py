"""The glue every task body shares (zoom_archiver.tasks.common): the one translation of our errors into Airflow's."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from zoom_archiver.errors import DownloadError, KeyConflict, ZoomAuthError
from zoom_archiver.tasks import common as common


class TestAirflowErrors:
    @pytest.mark.parametrize("error", [KeyConflict("k holds another file"), ZoomAuthError("invalid_client")])
    def test_a_permanent_error_fails_the_task_without_retries(self, error):
        body = common.airflow_errors(lambda: (_ for _ in ()).throw(error))
        with pytest.raises(AirflowFailException, match=type(error).__name__):
            body()

    def test_a_transient_error_is_left_to_airflow_retries(self):
        error = DownloadError("CDN dropped", retryable=True)
        body = common.airflow_errors(lambda: (_ for _ in ()).throw(error))
        with pytest.raises(DownloadError):
            body()
