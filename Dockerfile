# Images of the zoom_recordings_to_s3 Airflow deployment: one Dockerfile, two targets.
#
#   production (the default)  Airflow, the runtime pins, the product (zoom_archiver) and the DAGs.
#                             Every Airflow service and every real deployment runs this image.
#   sandbox                   The production image plus the development sandbox (sandbox/: zoom_emulator,
#                             zoom_sandbox) and its servers, for the `--profile sandbox` services of docker-compose.yaml.
#
# Build:  docker compose build                      (or: docker build -t zoom-archiver:latest .)
#         docker compose --profile sandbox build    (or: docker build --target sandbox -t zoom-archiver-sandbox:latest .)
#
# The Airflow and the Python of the image are build arguments (the official image's tags); the runtime pins must be
# the set resolved for that pair: requirements.txt for the defaults below, compat/locks/airflow-X-pythonY.txt (the
# set the compatibility matrix resolves and proves for a pair; none is proven yet: compat/locks/README.md) for the
# others, e.g.
#   docker build --build-arg AIRFLOW_VERSION=3.0.6 --build-arg PYTHON_VERSION=3.10 \
#                --build-arg RUNTIME_REQUIREMENTS=compat/locks/airflow-3.0.6-python3.10.txt -t zoom-archiver:3.0.6 .
#
# The production stage extends the official Apache Airflow image (https://airflow.apache.org/docs/docker-stack/build.html):
#   1. installs the runtime pins (no test or lint tool: tests/deploy checks) with apache-airflow pinned to the
#      image's own version, as the official docs recommend, so pip fails rather than change the image's Airflow,
#   2. installs the product (the pyproject.toml package: zoom_archiver only) without dependencies, so that
#      the `apache_airflow_provider` entry point registers the `zoom` connection type; sandbox/ is neither
#      copied nor installed, and the build fails if a sandbox package is importable,
#   3. embeds the DAGs and the api-server plugin files (webhook receiver, archive page), so the image also works
#      without the docker-compose bind mounts.
# The sandbox stage starts FROM the production stage and adds the sandbox's servers (requirements-sandbox.txt) and
# sandbox/ (no dependencies: what it imports is pinned in those two files, a test checks this).
# No secrets are baked in: connections, variables and keys come from the environment at run time.

ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11

# ---- production ----------------------------------------------------------------------------------------------
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS production
ARG AIRFLOW_VERSION
ARG PYTHON_VERSION
# The runtime pins resolved for this AIRFLOW_VERSION and PYTHON_VERSION (see the top of this file).
ARG RUNTIME_REQUIREMENTS=requirements.txt

LABEL org.opencontainers.image.title="zoom-archiver" \
      org.opencontainers.image.description="Apache Airflow ${AIRFLOW_VERSION} with the zoom_recordings_to_s3 DAG (archives Zoom cloud recordings to S3)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}"

# The base image already runs as the unprivileged `airflow` user; be explicit, pip must not run as root.
USER airflow

# Build context for this project inside the image. Created by the airflow user, so that pip's in-tree
# build (build/, *.egg-info) can write into it.
ARG PROJECT_SRC=/home/airflow/zoom-archiver
RUN mkdir -p "${PROJECT_SRC}"

# 1. Third-party dependencies first: this layer is cached until the runtime pins change.
COPY --chown=airflow:0 requirements.txt ${PROJECT_SRC}/requirements.txt
COPY --chown=airflow:0 compat/locks/ ${PROJECT_SRC}/compat/locks/
# Pinning apache-airflow to the base image's version (the official pattern) makes pip fail the build
# if the runtime pins ever ask for a different Airflow than the FROM line.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r "${PROJECT_SRC}/${RUNTIME_REQUIREMENTS}"

# 2. The product itself (no dependencies: they are all pinned above). pyproject.toml, its readme and plugins/
# are all its build needs; sandbox/ stays out of this image.
COPY --chown=airflow:0 pyproject.toml README.md ${PROJECT_SRC}/
COPY --chown=airflow:0 plugins/ ${PROJECT_SRC}/plugins/
# Fail the build if the provider entry point (the `zoom` connection type) did not register, or if a
# development package (the Zoom emulator, the sandbox helpers) made it into the production image.
RUN pip install --no-cache-dir --no-deps "${PROJECT_SRC}" \
    && python -c "import zoom_archiver" \
    && python -c "from importlib.util import find_spec; \
assert find_spec('zoom_emulator') is None and find_spec('zoom_sandbox') is None, 'sandbox packages in the production image'" \
    && python -c "from importlib.metadata import entry_points as e; \
assert 'zoom_archiver:get_provider_info' in [p.value for p in e(group='apache_airflow_provider')]"

# 3. The DAGs and the api-server's plugin files (docker-compose.yaml bind-mounts ./dags and ./plugins over these for
# development; a Helm or Kubernetes deployment runs them from the image).
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 plugins/zoom_webhook_plugin.py plugins/zoom_page_plugin.py /opt/airflow/plugins/

# ---- sandbox: docker build --target sandbox ------------------------------------------------------------------
# The production image plus the Zoom API emulator, the S3 fault proxy and the demo (sandbox/pyproject.toml,
# the airflow-zoom-archiver-sandbox package), for the local sandbox only: never deploy it.
FROM production AS sandbox

LABEL org.opencontainers.image.title="zoom-archiver-sandbox" \
      org.opencontainers.image.description="Development sandbox of zoom-archiver: the production image plus a Zoom API emulator and an S3 fault proxy (not for production)"

# Inherited from the production stage; restated because pip must not run as root here either.
USER airflow
ARG AIRFLOW_VERSION

# Its own build directory (ARGs do not carry over between stages), writable by the airflow user for pip's
# in-tree build. pyproject.toml and the two package folders are all that build needs.
ARG SANDBOX_SRC=/home/airflow/zoom-archiver-sandbox
RUN mkdir -p "${SANDBOX_SRC}"
# The sandbox's servers (moto's S3 server, the proxy's TLS CA), Airflow kept at the production stage's version.
COPY --chown=airflow:0 requirements-sandbox.txt ${SANDBOX_SRC}/requirements-sandbox.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r "${SANDBOX_SRC}/requirements-sandbox.txt"
COPY --chown=airflow:0 sandbox/pyproject.toml ${SANDBOX_SRC}/pyproject.toml
COPY --chown=airflow:0 sandbox/zoom_emulator/ ${SANDBOX_SRC}/zoom_emulator/
COPY --chown=airflow:0 sandbox/zoom_sandbox/ ${SANDBOX_SRC}/zoom_sandbox/
# No dependencies: the sandbox's imports (requests, boto3, psutil, python-dotenv: requirements.txt; moto and
# trustme: requirements-sandbox.txt) are installed above. Fail the build if the packages or the `zoom-emulator`
# script are missing, or if the product's provider entry point got lost on the way.
RUN pip install --no-cache-dir --no-deps "${SANDBOX_SRC}" \
    && python -c "import zoom_emulator, zoom_sandbox, zoom_archiver" \
    && python -c "from importlib.metadata import entry_points as e; \
assert 'zoom_emulator.__main__:main' in [p.value for p in e(group='console_scripts', name='zoom-emulator')]" \
    && python -m zoom_emulator --help > /dev/null \
    && python -c "from importlib.metadata import entry_points as e; \
assert 'zoom_archiver:get_provider_info' in [p.value for p in e(group='apache_airflow_provider')]"

# ---- default target ------------------------------------------------------------------------------------------
# `docker build .` without --target builds the last stage: keep that the production image.
FROM production
