# Production image for the zoom_recordings_to_s3 Airflow deployment.
#
# Build:  docker compose build        (or: docker build -t zoom-archiver:latest .)
#
# It extends the official Apache Airflow image (https://airflow.apache.org/docs/docker-stack/build.html):
#   1. installs the exact pins from requirements.txt (our pins act as the constraints file; the
#      apache-airflow==X pin in requirements.txt must equal the image tag below, a test checks this),
#   2. installs this project (zoom_archiver + zoom_emulator) without dependencies, so that the
#      `apache_airflow_provider` entry point registers the `zoom` connection type,
#   3. embeds the DAGs, so the image also works without the docker-compose bind mounts.
# No secrets are baked in: connections, variables and keys come from the environment at run time.
FROM apache/airflow:3.3.2-python3.11

LABEL org.opencontainers.image.title="zoom-archiver" \
      org.opencontainers.image.description="Apache Airflow 3.3 with the zoom_recordings_to_s3 DAG (archives Zoom cloud recordings to S3)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/apache/airflow:3.3.2-python3.11"

# The base image already runs as the unprivileged `airflow` user; be explicit, pip must not run as root.
USER airflow

# Build context for this project inside the image. Created by the airflow user, so that pip's in-tree
# build (build/, *.egg-info) can write into it.
ARG PROJECT_SRC=/home/airflow/zoom-archiver
RUN mkdir -p "${PROJECT_SRC}"

# 1. Third-party dependencies first: this layer is cached until requirements.txt changes.
COPY --chown=airflow:0 requirements.txt ${PROJECT_SRC}/requirements.txt
# Pinning apache-airflow to the base image's version (the official pattern) makes pip fail the build
# if requirements.txt ever asks for a different Airflow than the FROM line.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r "${PROJECT_SRC}/requirements.txt"

# 2. The project itself (no dependencies: they are all pinned above).
COPY --chown=airflow:0 pyproject.toml README.md ${PROJECT_SRC}/
COPY --chown=airflow:0 plugins/ ${PROJECT_SRC}/plugins/
COPY --chown=airflow:0 sandbox/ ${PROJECT_SRC}/sandbox/
# Fail the build if the provider entry point (the `zoom` connection type) did not register.
RUN pip install --no-cache-dir --no-deps "${PROJECT_SRC}" \
    && python -c "import zoom_archiver, zoom_emulator" \
    && python -c "from importlib.metadata import entry_points as e; \
assert 'zoom_archiver:get_provider_info' in [p.value for p in e(group='apache_airflow_provider')]"

# 3. The DAGs (docker-compose.yaml bind-mounts ./dags over this for development).
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
