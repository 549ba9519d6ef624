# Multi-stage build: `cargo build --release --locked` of the binary alone (CI's .ci/run checks and
# tests; this only builds), then a small non-root runtime. The context is trimmed by .dockerignore.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
# Dependencies in their own cached layer: build them against stub targets (every target the
# manifest declares must exist, or cargo refuses it), so editing the sources rebuilds only the crate.
RUN set -eu; mkdir -p src tests/api benches; \
    for b in $(awk '/^\[\[bench\]\]/ {b = 1; next} b && /^name/ {gsub(/"/, "", $3); print $3; b = 0}' Cargo.toml); do \
        echo 'fn main() {}' > "benches/$b.rs"; \
    done; \
    echo 'fn main() {}' > src/main.rs; echo 'fn main() {}' > tests/api/main.rs; : > src/lib.rs; \
    cargo build --release --locked --bin eligibility-gateway; \
    rm -rf src tests benches
COPY config ./config
COPY migrations ./migrations
COPY src ./src
COPY tests ./tests
COPY benches ./benches
# The stubs were built later than the copied sources' timestamps: touch them so cargo rebuilds.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin eligibility-gateway

FROM debian:bookworm-slim
# ca-certificates is not pinned (hadolint DL3008): bookworm replaces its versions with security
# updates, so a pinned version stops existing and the build breaks; the base image tag is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gateway \
    && mkdir -p /var/lib/eligibility-gateway \
    && chown 10001 /var/lib/eligibility-gateway
# The default store (sqlite://data/gateway.db) lives under the working directory; mount a volume
# here to keep it, or point store.url at PostgreSQL.
WORKDIR /var/lib/eligibility-gateway
COPY --from=build /src/target/release/eligibility-gateway /usr/local/bin/eligibility-gateway
USER 10001
ENV GATEWAY__SERVER__HOST=0.0.0.0 \
    GATEWAY__SERVER__PORT=8080
EXPOSE 8080
# The image has no curl: the binary asks its own /readyz (exit 0 when ready).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/eligibility-gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/eligibility-gateway"]
CMD ["serve"]
