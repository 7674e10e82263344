"""The local sandbox: the Zoom emulator, a local S3 endpoint (moto's server) and Airflow wired to them."""
