# syntax=docker/dockerfile:1
# pushgate: one static-ish binary (dashboard and tracker embedded) on Debian slim.
#   docker build -t pushgate .
#   docker run --rm -e DATABASE_URL=... -p 3000:3000 pushgate
# Needs BuildKit (the default builder of current Docker) for the cache mounts.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# The cache mounts keep the crates.io downloads and the target dir between
# builds; the binary is copied out because the target mount is not part of
# the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin pushgate \
 && install -D -m 0755 target/release/pushgate /out/pushgate

FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to a remote Pushgateway/Postgres; curl: the healthcheck.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pushgate \
 && useradd --system --uid 10001 --gid pushgate --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin pushgate
COPY --from=builder /out/pushgate /usr/local/bin/pushgate
USER 10001:10001
ENV PUSHGATE_LISTEN=0.0.0.0:3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=6 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:3000/api/v1/health/ready || exit 1
# pushgate checkpoints and pushes once more on SIGTERM, then exits within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["pushgate"]
CMD ["serve"]
