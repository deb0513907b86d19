# watchkeeper: docker build -t watchkeeper . && docker run -v wk-data:/data watchkeeper
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WATCHKEEPER_STORAGE__DATA_DIR=/data

RUN useradd --create-home --uid 10001 watchkeeper \
    && mkdir /data && chown watchkeeper:watchkeeper /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
# The same install step as .ci/run, so CI proves it.
RUN python -m pip install --no-cache-dir --upgrade pip \
    && python -m pip install --no-cache-dir -e .

USER watchkeeper
VOLUME ["/data"]

# `watchkeeper health` exits 0 only while the running bot refreshes its heartbeat file.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["watchkeeper", "health"]

ENTRYPOINT ["watchkeeper", "run"]
