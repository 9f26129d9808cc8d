# routesrv image: Debian 12, built from this repository.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN ./scripts/deps && make -j"$(nproc)" && make install PREFIX=/usr/local DESTDIR=/out

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libcurl4 libjq1 libxxhash0 libyaml-0-2 libmicrohttpd12 libdeflate0 libpcre2-8-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local /usr/local
USER 65534:65534
EXPOSE 9090 9911
ENTRYPOINT []
CMD ["routesrv-serve", "-kubernetes", "-kubernetes-in-cluster"]
