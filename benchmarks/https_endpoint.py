"""The benchmark's HTTPS S3 endpoint: a second moto serving TLS with a CA made for the run (verification on)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.measure import child_env


class HttpsEndpoint:
    """A second moto serving HTTPS with a CA made for the run; the child env trusts that CA only."""

    def __init__(self, workdir: Path, stack: Any) -> None:
        from zoom_sandbox.services import SANDBOX_BUCKET, airflow_env, create_bucket, start_moto
        from zoom_sandbox.tls import make_tls

        self.tls = make_tls(workdir / "tls")
        self.s3 = start_moto(workdir / "logs", tls=self.tls)
        self.bucket = SANDBOX_BUCKET
        try:
            create_bucket(self.s3.url, self.bucket, verify=str(self.tls.ca_path))
        except BaseException:
            self.s3.stop()
            raise
        env = airflow_env(zoom_api_url=stack.zoom.url, s3_url=self.s3.url, bucket=self.bucket)
        aws = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
        aws["extra"].update(self.tls.aws_extra())  # botocore's defaults otherwise: as against AWS
        self.env = child_env(
            {**env, "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws), "PYTHONDONTWRITEBYTECODE": "1"}, workdir / "home"
        )

    def empty_bucket(self) -> None:
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.s3.url, region_name="us-east-1", verify=str(self.tls.ca_path),
                          aws_access_key_id="sandbox", aws_secret_access_key="sandbox")  # fmt: skip
        for obj in s3.list_objects_v2(Bucket=self.bucket).get("Contents", []):
            s3.delete_object(Bucket=self.bucket, Key=obj["Key"])
        for upload in s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
