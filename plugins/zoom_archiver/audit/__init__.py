"""The audit (beside the pipeline): is every Zoom file of a date range in S3, intact? It reads, and writes only its
reports under ``<prefix>/_audit/``."""
