# routesrv image: Debian 12, built from this repository (see docs/rollout.md, "The image").
#   docker build -t registry.example.org/platform/routesrv:0.1.0 .
#   docker push registry.example.org/platform/routesrv:0.1.0
FROM debian:12 AS build
# Only what `make` needs: scripts/deps without the test and benchmark tools (bats, valgrind,
# clang, wrk, nginx, ...). make runs scripts/deps too; with this it checks the same set.
ENV ROUTESRV_DEPS=build DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The dependency layer comes before the sources, so a source change reuses it.
COPY scripts/deps scripts/deps
RUN ./scripts/deps build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make -j"$(nproc)" all && make install-strip PREFIX=/usr/local DESTDIR=/out

FROM debian:12-slim
# The shared libraries the commands link (ldd bin/routesrv-*); their own dependencies follow.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libcurl4 libjq1 libonig5 libxxhash0 libyaml-0-2 libmicrohttpd12 libdeflate0 libpcre2-8-0 libgnutls30 zlib1g \
        ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# The stripped commands only: man pages and completions are for workstations.
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
USER 65534:65534
EXPOSE 9090 9911
ENTRYPOINT []
CMD ["routesrv-serve", "-kubernetes", "-kubernetes-in-cluster"]
