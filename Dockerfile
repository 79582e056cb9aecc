# The katdir app (API, crawler, indexer, CLI) on Python 3.11; docker-compose.yml runs it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY katdir ./katdir
COPY crawler ./crawler
COPY indexer ./indexer
COPY search_api ./search_api
RUN pip install . \
    && useradd --create-home --uid 10001 katdir \
    && mkdir -p /data && chown katdir:katdir /data

# Not root; the store's default file, the geocoding cache and crawl output go to /data.
USER katdir
WORKDIR /data
ENV KATDIR_VAR=/data
EXPOSE 8000
# No access log: it would keep visitors' addresses (docs/architecture.md §7).
CMD ["gunicorn", "--config", "python:search_api.gunicorn_conf", "--bind", "0.0.0.0:8000", "search_api:create_app()"]
