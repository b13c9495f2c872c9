# tempotrade worker image (ECS Fargate, infra/constructs/workers.ts). Build context: the repo root,
# kept lean by .dockerignore. Two stages: compile TypeScript, then a production-only install.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    TEMPOTRADE_DIST=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The worker's local state (the SQLite journal by default) is written under .tempotrade/ as the node user.
RUN mkdir -p .tempotrade && chown node:node .tempotrade
USER node
# ECS sends SIGTERM on stop: runWorkerUntilSignal calls worker.shutdown() (in-flight activities get 10 s);
# the task definition's stopTimeout (60 s) leaves room for that before SIGKILL.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/tempotrade.js"]
CMD ["worker"]
