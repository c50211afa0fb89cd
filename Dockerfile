# Build: the sqlite_fts5 tag is required (Chinese search), cgo for SQLite.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -tags sqlite_fts5 -trimpath -o /out/ipledge ./cmd/ipledge

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ipledge --create-home ipledge
COPY --from=build /out/ipledge /usr/local/bin/ipledge
USER ipledge
WORKDIR /var/lib/ipledge
EXPOSE 8080
ENTRYPOINT ["ipledge"]
CMD ["serve"]
