# syntax=docker/dockerfile:1
# The OpenAI/llama.cpp-compatible stub LLM server (demos, load tests without a model).
#   docker build -f docker/llm-stub.Dockerfile -t promptdev-llm-stub .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run llm-stub:build --output-style=stream

# The stub uses Node's standard library only: no node_modules at run time.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production STUB_HOST=0.0.0.0 STUB_PORT=8080
WORKDIR /app
COPY --from=build /app/dist/llm-stub ./dist/llm-stub
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.STUB_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/llm-stub/apps/llm-stub/src/main.js"]
