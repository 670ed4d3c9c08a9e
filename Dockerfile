# One image for every role: `docker run veil --role api|worker|all` (default all).
# Build from a checkout whose models/ holds the weights (see models/README.md).

# Build stage: native modules (better-sqlite3, sharp, onnxruntime-node, Veil's own kernels)
# install here, with a compiler at hand in case a prebuilt binary does not fit.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc binding.gyp ./
# npm ci's install hook builds Veil's native kernels (src/native) here.
COPY scripts/build-native.mjs ./scripts/
COPY src/native ./src/native
RUN npm ci --omit=dev --no-audit --no-fund

# Runtime stage: no compiler, no dev dependencies, a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  VEIL_DATA_DIR=/data \
  PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/build/Release/veil_native.node ./build/Release/
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY models ./models
# /data: SQLite, embedded Azurite blobs and scratch files. Mount a volume on it.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# 8080: the API; 10000: the embedded Azurite (only when no AZURE_STORAGE_CONNECTION_STRING).
EXPOSE 8080 10000
ENTRYPOINT ["node", "bin/veil.js", "serve"]
CMD ["--role", "all"]
