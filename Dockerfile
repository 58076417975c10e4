# claude-agent-server for your own container platform.
#   docker build -t claude-agent-server .
#   docker run -p 3000:3000 -v cas-data:/data \
#     --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#     --security-opt systempaths=unconfined \
#     -e ANTHROPIC_API_KEY=... -e AUTH_TOKEN=... claude-agent-server
# Without AUTH_TOKEN the server generates a token at start-up and prints it (it listens on
# 0.0.0.0 here, so it is never open). Each session runs in a bubblewrap sandbox, which makes
# user, pid and network namespaces (Docker's default seccomp profile refuses them), mounts
# (the docker-default AppArmor profile refuses them) and a fresh /proc (refused while Docker
# masks parts of /proc): hence the three flags; the README's "Run it in a container" says more.
# If your platform allows none of it, set SANDBOX=none and rely on the container alone.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build --chown=node:node /app /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data WORKSPACE_DIR=/data/workspace
VOLUME /data
EXPOSE 3000
USER node
# Any HTTP answer (401 without a token) means the server is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(()=>process.exit(0),()=>process.exit(1))"
CMD ["node", "packages/server/dist/main.js"]
