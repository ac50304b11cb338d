# The kb app (Meilisearch runs in its own container; see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /srv/kb
COPY pyproject.toml README.md ./
COPY kb ./kb
COPY indexer ./indexer
COPY web ./web
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 kb \
    && useradd --system --uid 10001 --gid 10001 --home-dir /srv/kb --no-create-home kb \
    && mkdir -p /srv/kb/data && chown 10001:10001 /srv/kb/data && chmod 0700 /srv/kb/data
# Never root: the accounts file and the session key are the app's only secrets (in data/).
USER 10001:10001
EXPOSE 8000
CMD ["kb", "serve", "--host", "0.0.0.0", "--port", "8000"]
