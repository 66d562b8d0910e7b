# syntax=docker/dockerfile:1
# Multi-stage build of the lawyer-llama service.
#   docker build -t lawyer-llama .                                  (CPU)
#   docker build -t lawyer-llama:cuda --build-arg RUNTIME_IMAGE=nvidia/cuda:12.6.3-runtime-ubuntu24.04 \
#                --target runtime-cuda .                              (NVIDIA GPU)
# The image talks to an external Elasticsearch (LAWYER_ELASTICSEARCH_URIS); see docker-compose.yml.

ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY src src
# -Dmdep.skip: the image uses an external Elasticsearch, so the build need not fetch the distribution.
RUN ./mvnw -B -q -DskipTests -Dmdep.skip=true package && cp target/lawyer-llama.jar /lawyer-llama.jar

FROM eclipse-temurin:17-jre AS runtime
RUN groupadd --system --gid 10001 lawyer && useradd --system --uid 10001 --gid lawyer --home-dir /var/lib/lawyer-llama lawyer \
    && mkdir -p /var/lib/lawyer-llama /models && chown lawyer:lawyer /var/lib/lawyer-llama /models
COPY --from=build /lawyer-llama.jar /opt/lawyer-llama/lawyer-llama.jar
USER lawyer
WORKDIR /var/lib/lawyer-llama
ENV LAWYER_DATA_DIR=/var/lib/lawyer-llama \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -XX:MaxRAMPercentage=75"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD wget -qO- http://127.0.0.1:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["java", "-jar", "/opt/lawyer-llama/lawyer-llama.jar"]
CMD ["serve"]

# GPU variant: a CUDA base image with a JRE added. DJL picks the GPU when one is visible
# (the CUDA build of the PyTorch natives must then be provided under ~/.djl.ai or DJL's cache).
FROM ${RUNTIME_IMAGE} AS runtime-cuda
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless wget \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 lawyer && useradd --system --uid 10001 --gid lawyer --home-dir /var/lib/lawyer-llama lawyer \
    && mkdir -p /var/lib/lawyer-llama /models && chown lawyer:lawyer /var/lib/lawyer-llama /models
COPY --from=build /lawyer-llama.jar /opt/lawyer-llama/lawyer-llama.jar
USER lawyer
WORKDIR /var/lib/lawyer-llama
ENV LAWYER_DATA_DIR=/var/lib/lawyer-llama \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -XX:MaxRAMPercentage=75"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/lawyer-llama/lawyer-llama.jar"]
CMD ["serve"]
