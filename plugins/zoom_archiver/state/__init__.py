"""State the archiver keeps in the archive bucket, under the prefix, beside the recordings: records that grow with the
archive (so not in an Airflow Variable) and must survive a lost metadata DB. Each module owns one kind of record."""
