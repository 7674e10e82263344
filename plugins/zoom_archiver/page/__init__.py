"""The archive page: one page of the Airflow UI (served by the api-server) about the archive as a whole, built only
from state the product already keeps (the ledger and reclaim Variables, the runs and their XComs in the metadata DB,
the audit reports in the bucket)."""
