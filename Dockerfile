# syntax=docker/dockerfile:1
# The Gatehouse image (README, "Deployment"). Two stages: dependencies, native compilation and the build happen in
# the first; the second holds Node, the build and the production dependencies, and runs as a non-root user on a
# read-only root filesystem, with its data in the /data volume.
#
#   docker build -t gatehouse .
#   docker build --build-arg BUILD_IMAGE=… --build-arg BASE_IMAGE=… -t gatehouse .   # other bases (scripts/ci-image.sh)
#
# BUILD_IMAGE needs Node, npm, python3, make and a C++ compiler (better-sqlite3 compiles from source); BASE_IMAGE
# needs Node on the PATH and nothing else (no shell).
ARG BUILD_IMAGE=node:22-bookworm
ARG BASE_IMAGE=node:22-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# tini becomes PID 1 in the runtime image: it forwards SIGTERM to Node and reaps the processes Node does not wait
# for (MCP stdio servers' children). Its static build runs on any base. Debian-based build images are one package
# away from it; the base scripts/ci-image.sh makes has it already.
RUN command -v tini-static >/dev/null \
  || (apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*)
COPY package.json package-lock.json ./
# Without scripts: the project's own `prepare` is the build, which needs the sources copied below. better-sqlite3
# is the one dependency whose install script must run (node-gyp).
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY . .
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src node_modules/better-sqlite3/build/Release/obj* \
  && mkdir -p /rootfs/data /rootfs/app/console \
  && cp -r package.json bin dist node_modules /rootfs/app/ \
  && cp -r console/dist /rootfs/app/console/ \
  && cp "$(command -v tini-static)" /rootfs/tini

FROM ${BASE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GATEHOUSE_DATA_DIR=/data
COPY --from=build /rootfs/tini /usr/local/bin/tini
COPY --from=build /rootfs/app /app
COPY --from=build --chown=10001:10001 /rootfs/data /data
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/dist/healthcheck.js"]
ENTRYPOINT ["/usr/local/bin/tini", "--", "node", "/app/bin/gatehouse.js"]
CMD ["serve"]
