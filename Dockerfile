# Multi-stage build: the same `cargo build --release --locked` as .ci/run, then a small non-root runtime.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY config ./config
COPY migrations ./migrations
COPY src ./src
COPY tests ./tests
COPY benches ./benches
RUN cargo build --release --locked --bin eligibility-gateway

FROM debian:bookworm-slim
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
ENTRYPOINT ["/usr/local/bin/eligibility-gateway"]
CMD ["serve"]
