# Scanin on Node 24 LTS (oidc-provider 9 wants 22+). SQLite by default, on a volume at /data;
# set DATABASE_URL=postgres://… to share one PostgreSQL between instances.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# sqlite3 compiles from source: it needs a C++ toolchain at install time only.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=sqlite:/data/scanin.db CLIENTS_FILE=/app/clients.json
COPY --from=build /app/node_modules ./node_modules
COPY package.json clients.json ./
COPY src ./src
COPY views ./views
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
CMD ["node", "src/cli/bin.js", "serve"]
