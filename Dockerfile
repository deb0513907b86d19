# watchkeeper: docker build -t watchkeeper . && docker run -v wk-data:/data watchkeeper
# The image's command is `watchkeeper`; its default argument is `run`, so
#   docker run --rm watchkeeper check            (any other command)
#   docker exec NAME watchkeeper cases --open    (the CLI beside a running bot)

# -- build: the runtime's dependencies from the hashed lock, then watchkeeper itself --
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/watchkeeper
WORKDIR /src
# Exact versions with hashes (regenerate: see docs/deploy.md); the same install step
# as .ci/run, so CI proves the lock installs.
COPY requirements.lock ./
RUN /opt/watchkeeper/bin/pip install --require-hashes --no-deps -r requirements.lock

# .dockerignore keeps the training corpus, the generator, tests and docs out.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/watchkeeper/bin/pip install --no-deps /wheels/watchkeeper-*.whl

# -- runtime: the virtual environment only, run as a user without privileges --------
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/watchkeeper/bin:$PATH \
    WATCHKEEPER_STORAGE__DATA_DIR=/data \
    XDG_CACHE_HOME=/data/.cache

RUN useradd --create-home --uid 10001 watchkeeper \
    && mkdir /data && chown watchkeeper:watchkeeper /data
COPY --from=build /opt/watchkeeper /opt/watchkeeper

WORKDIR /app
USER watchkeeper
VOLUME ["/data"]

# `watchkeeper health` exits 0 only while the running bot refreshes its heartbeat file.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["watchkeeper", "health"]

ENTRYPOINT ["watchkeeper"]
CMD ["run"]
