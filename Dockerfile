# dsbot: the DS Instruction Slack bot.
#
#   docker build -t dsbot .
#   docker run -d --name dsbot --env-file .env -v dsbot-data:/data dsbot
#       Socket Mode (default): needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN, DS_API_TOKEN; no port
#       to publish, the bot connects out to Slack.
#   docker run -d --name dsbot --env-file .env -v dsbot-data:/data -p 3000:3000 dsbot \
#       dsbot run --http --port 3000
#       HTTP mode: needs SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN; POST /slack/events on
#       port 3000 behind an HTTPS reverse proxy (see manifest.yml for the Slack side).
#
# Secrets are given at run time (--env-file, orchestrator secrets), never built into the image:
# .dockerignore keeps .env and databases out of the build context.
# Pinned to a patch release so that two builds of one commit start from the same Python (a digest
# would pin the exact image too, but needs a registry lookup; bump this tag deliberately).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# A fixed, unprivileged uid (orchestrators' runAsNonRoot checks need a number) that owns the
# SQLite directory and nothing else.
RUN groupadd --gid 10001 dsbot \
    && useradd --uid 10001 --gid dsbot --no-create-home --home-dir /data \
        --shell /usr/sbin/nologin dsbot \
    && mkdir -p /data \
    && chown dsbot:dsbot /data

# The exact, hash-checked versions of requirements.lock first (its own layer: cached until the
# lock changes), then dsbot itself without resolving anything again (--no-deps). Only the
# package's own files reach the context (allow-list in .dockerignore); the source tree is removed
# once installed so the image holds one copy of dsbot, in site-packages (no RUN may follow in
# /src after that).
WORKDIR /src
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf /src

# SQLite database (subscriptions, links, notification state): keep it on a volume so that it
# survives upgrades. WAL files live beside it, hence a directory, not a file mount.
ENV DSBOT_DB=/data/dsbot.db \
    DSBOT_HEALTH_PORT=8080
VOLUME /data
WORKDIR /data

# HTTP mode (`dsbot run --http --port 3000`) listens here; Socket Mode needs no inbound port.
EXPOSE 3000

# `dsbot run` serves GET /livez, /readyz (= /healthz) and /metrics on DSBOT_HEALTH_PORT in both
# modes. The HEALTHCHECK probes readiness (/readyz), so that `docker ps` says "unhealthy" whenever
# no dossier can reach Slack: DS or Dynacase refusing the token, a feed failing two cycles in a
# row, a dead delivery thread, an outbox stuck too long (the 503's body gives the French reason,
# and the ops channel is told). Under Swarm or an autoheal a restart is harmless: the outbox
# resumes where it stopped. /livez is for orchestrators that want liveness alone (Kubernetes).
# python:slim has no curl, so the probe is Python's urllib (a non-2xx answer or no answer raises,
# exit code 1). DSBOT_HEALTH_PORT=0 turns the listener off: there is nothing to probe, so the
# check passes rather than marking a working bot unhealthy (`docker run --no-healthcheck` to
# drop it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD [ "${DSBOT_HEALTH_PORT:-8080}" -eq 0 ] 2>/dev/null \
        || python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${DSBOT_HEALTH_PORT:-8080}/readyz', timeout=4)" \
        || exit 1

USER 10001:10001
CMD ["dsbot", "run"]
