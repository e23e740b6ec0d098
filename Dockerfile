# syntax=docker/dockerfile:1
#
# fin-line application image: one image, four roles, chosen by the command.
#   worker    npm run worker      (default CMD; Temporal worker + metrics on WORKER_METRICS_PORT)
#   api       npm run api         (GraphQL on API_PORT, default 4000)
#   simulator npm run simulator   (WebSocket market simulator + /healthz /metrics on SIMULATOR_PORT)
#   init      npm run schedules   (one-shot: nightly Schedule + ingestion/pipeline workflows)
#
# Debian (glibc) base on purpose: the Temporal SDK's native core (@temporalio/core-bridge) ships
# prebuilt binaries for linux-gnu only, so Alpine/musl images do not work.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: install exactly what package-lock.json says -------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --include=dev on purpose: the app runs its TypeScript sources with `tsx`, which is a
# devDependency, so the runtime image keeps the dev dependencies (there is no compile step and
# no `npm prune --omit=dev`). The extra weight (eslint, jest, typescript) is the price of that.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --no-audit --no-fund

# ---- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

# Dependencies and sources stay owned by root (read-only for the app user); only data/ is
# writable (DATA_DIR defaults to "data", relative to /app; the archive goes to data/archive).
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The operations console's bundle (web/dist, not in git), served by the api role at /.
RUN npm run build:console
RUN mkdir -p /app/data && chown node:node /app/data

# The official node image's unprivileged user (uid/gid 1000).
USER node

EXPOSE 4000 8090 9464

# npm forwards SIGTERM/SIGINT to the script; run with an init process (compose: `init: true`)
# so signals reach it and zombies are reaped.
CMD ["npm", "run", "worker"]
