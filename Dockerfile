# A container image of the server: `docker build -t speedmeet .` then
#   docker run -p 8080:8080 -v speedmeet-data:/data -e SPEEDMEET_ADMIN_TOKEN=... \
#     -e SPEEDMEET_PUBLIC_URL=https://meet.example.org speedmeet
# Settings are SPEEDMEET_<KEY> variables (see config.yaml), or mount a config.yaml at
# /app/config.yaml. The embedded store lives in the /data volume (one container per volume);
# several containers share events through store: redis (docs/deploy.md).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE ./
COPY server ./server
COPY web ./web
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app speedmeet \
    && mkdir -p /app /data && chown speedmeet /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER speedmeet
WORKDIR /app
ENV SPEEDMEET_HOST=0.0.0.0 SPEEDMEET_PORT=8080 SPEEDMEET_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz').status != 200)"
STOPSIGNAL SIGTERM
CMD ["speedmeet"]
