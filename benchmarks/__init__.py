"""Benchmarks of the Zoom → S3 archiver: ``python -m benchmarks.run [--smoke] [--out PATH]`` (``make bench``).

Every figure is measured side by side in one run on the same endpoints (a noisy machine gives ratios, not
absolute truths): streaming vs. its legs and vs. the blog's temp-file method, discovery vs. the rate-limit
floor and a plain serial loop, the DAG file's import vs. an empty DAG's, and many small files on LocalExecutor.
"""
