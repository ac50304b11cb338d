# The kb app (Meilisearch runs in its own container; see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /srv/kb
COPY pyproject.toml README.md ./
COPY kb ./kb
COPY indexer ./indexer
COPY web ./web
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["kb", "serve", "--host", "0.0.0.0", "--port", "8000"]
