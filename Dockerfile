# syntax=docker/dockerfile:1
# The refund orchestrator's image: one image for the worker, the HTTP API, the one-shot setup and
# the provider sandbox (each service picks its command). Debian (glibc), because the Temporal SDK's
# native core ships glibc builds.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: compile TypeScript and prebuild the workflow bundle (bundleWorkflowCode) -----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# No Temporal CLI in an image: the postinstall step would build one for `npm start`.
ENV TEMPORAL_SKIP_CLI=1
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV TEMPORAL_SKIP_CLI=1
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci --omit=dev && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE=/app/lib/workflow-bundle.js \
    LISTEN_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/lib ./lib
COPY --chown=root:root package.json ./
# The code is root-owned and read-only to the process, which runs as the image's unprivileged `node`
# user (numeric, so that a cluster's runAsNonRoot can verify it).
USER 1000:1000
# API, worker metrics, sandbox
EXPOSE 3000 9464 4010
# Node is PID 1 and gets SIGTERM itself: the worker drains, the API finishes requests in flight.
CMD ["node", "lib/worker.js"]
