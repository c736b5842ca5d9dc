# syntax=docker/dockerfile:1
# The KEBAP portal's container image.
#   build:   Node 22 + Yarn from yarn.lock (the same scripts CI runs)
#   pulumi:  the Pulumi CLI at a pinned version, checksum verified
#   runtime: slim Node 22, non-root, production dependencies only
# Build: docker build -t kebap-portal .

ARG NODE_IMAGE=node:22.23.3-bookworm-slim
ARG PULUMI_VERSION=3.265.0

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 g++ make git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# scripts/setup.sh: Yarn 4 into .tools/, `yarn install --immutable` (CI=true)
ENV CI=true
RUN bash scripts/setup.sh
RUN bash -c 'source scripts/lib/toolchain.sh && kebap_setup && yarn tsc && yarn build:all'
# Same script as the production boot test: unpack the backend bundle and
# install production dependencies only.
RUN bash -c 'source scripts/lib/toolchain.sh && kebap_setup && bash scripts/prepare-backend-bundle.sh /app' \
 && rm -f /app/.focus.log

FROM ${NODE_IMAGE} AS pulumi
ARG PULUMI_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN curl -fsSLo /tmp/pulumi.tgz "https://get.pulumi.com/releases/sdk/pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz" \
 && curl -fsSLo /tmp/checksums "https://get.pulumi.com/releases/sdk/pulumi-${PULUMI_VERSION}-checksums.txt" \
 && (cd /tmp && grep " pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz\$" checksums \
      | sed "s# pulumi-v.*# pulumi.tgz#" | sha256sum -c -) \
 && mkdir -p /opt && tar -xzf /tmp/pulumi.tgz -C /opt \
 && /opt/pulumi/pulumi version

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/kebap kebap
COPY --from=pulumi /opt/pulumi /opt/pulumi
COPY --from=build --chown=10001:10001 /app /app
ENV NODE_ENV=production \
    PATH=/opt/pulumi:$PATH \
    PULUMI_SKIP_UPDATE_CHECK=true \
    PORT=7007
WORKDIR /app
USER 10001:10001
EXPOSE 7007
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||7007)+'/.backstage/health/v1/readiness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "packages/backend", "--config", "app-config.yaml", "--config", "app-config.production.yaml"]
