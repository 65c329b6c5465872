# Coffer in a container: a build stage with Go and a C compiler (SQLite needs cgo), and a small
# runtime stage that runs as an unprivileged user. The image is not built or tested in Coffer's
# CI, whose machines have no container engine; build it with `docker build -t coffer .`.
#
#   docker run -p 8080:8080 -v coffer-data:/var/lib/coffer -e COFFER_ADMIN_KEY=... coffer
#
# For PostgreSQL pass COFFER_DATABASE=postgres://... and run `coffer migrate` once first.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -trimpath keeps the build machine's paths out of the binary; the module version and VCS
# commit stay in its build info for `coffer version`.
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/coffer ./cmd/coffer

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/coffer --create-home coffer
COPY --from=build /out/coffer /usr/local/bin/coffer
USER coffer
WORKDIR /var/lib/coffer
VOLUME /var/lib/coffer
ENV COFFER_LISTEN=0.0.0.0:8080 \
    COFFER_DATABASE=/var/lib/coffer/coffer.db
EXPOSE 8080
# Orchestrators probe GET /healthz (the process answers) and GET /readyz (the database answers and
# the server is not draining); the slim image has no HTTP client for a HEALTHCHECK of its own.
ENTRYPOINT ["coffer"]
CMD ["serve"]
