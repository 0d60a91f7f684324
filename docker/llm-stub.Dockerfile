# The OpenAI/llama.cpp-compatible stub LLM server (demos, load tests without a model).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node libs/tooling/swc-build.mjs --swcrc apps/llm-stub/.swcrc --out dist/llm-stub apps/llm-stub/src libs/llm-stub/src

FROM node:20-bookworm-slim
ENV STUB_HOST=0.0.0.0 STUB_PORT=8080
WORKDIR /app
COPY --from=build /app/dist/llm-stub ./dist/llm-stub
USER node
EXPOSE 8080
CMD ["node", "dist/llm-stub/apps/llm-stub/src/main.js"]
