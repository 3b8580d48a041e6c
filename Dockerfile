# Scanin on Node 24 LTS (oidc-provider 9 wants 22+). SQLite by default, on a volume at /data;
# set DATABASE_URL=postgres://… to share one PostgreSQL between instances. clients.json is not in
# the image: mount it (-v ./clients.json:/app/clients.json:ro) or point CLIENTS_FILE elsewhere.

# Build stage: production dependencies only. sqlite3 compiles from source, which needs a C++
# toolchain and Python at install time; none of it reaches the final image.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Runtime stage: Node, the dependencies built above, and the sources (tsx, a runtime dependency,
# runs the TypeScript as it is: there is no build step).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=sqlite:/data/scanin.db CLIENTS_FILE=/app/clients.json
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY views ./views
COPY migrations ./migrations
# The home page serves the device protocol from here (src/http/homePage.ts reads it at start).
COPY docs ./docs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# The image has no curl: Node's own fetch asks /healthz, under the issuer's path if it has one.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const base = process.env.ISSUER ? new URL(process.env.ISSUER).pathname.replace(/\\/+$/, '') : ''; fetch(`http://127.0.0.1:${process.env.PORT}${base}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/cli/bin.js", "serve"]
