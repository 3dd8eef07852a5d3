# syntax=docker/dockerfile:1
# One image for every Workcell service: the command picks it (`yield`, `plc-bridge`, `cell`, …,
# or `workcell serve`, `workcell health`). Build: docker build -t workcell:$(git rev-parse --short HEAD) .
#
# Stage 1: the Swift toolchain builds every product in release, with the Swift runtime and
# Foundation linked statically, so the run stage needs no toolchain.
FROM swift:6.3-bookworm AS build
WORKDIR /src
# Resolve packages first: this layer is reused while Package.swift is unchanged.
COPY Package.swift ./
RUN swift package resolve
COPY Protos ./Protos
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
# The static backtracer is copied too: it prints a crashed service's stack trace to its log.
RUN swift build -c release -Xswiftc -static-stdlib \
  && mkdir -p /staging/bin \
  && bin="$(swift build -c release --show-bin-path)" \
  && for exe in workcell perception policy control plc-bridge cell yield cell-sim; do \
       cp "$bin/$exe" /staging/bin/; \
     done \
  && find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/bin/ \; \
  && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/bin/

# Stage 2: a slim Debian with only what the binaries need at run time.
FROM debian:12-slim
# Extra Debian packages, e.g. --build-arg EXTRA_PACKAGES=ffmpeg for the cell's camera video
# (--episodes-video, docs/episodes.md); none by default.
ARG EXTRA_PACKAGES=""
RUN export DEBIAN_FRONTEND=noninteractive \
  && apt-get update -q \
  && apt-get install -y -q --no-install-recommends ca-certificates tzdata libstdc++6 $EXTRA_PACKAGES \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 --user-group --home-dir /var/lib/workcell --create-home workcell
COPY --from=build /staging/bin/ /usr/local/bin/
# The policy's committed weights and model cards (docs/policy.md).
COPY models /usr/local/share/workcell/models
# Backtraces on: a crash prints every thread's stack (symbolicated, no interactive prompt).
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=mentioned,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static \
    WORKCELL_POLICY_MODEL=/usr/local/share/workcell/models/policy/wc-mlp-2.safetensors \
    WORKCELL_HOST=0.0.0.0 \
    WORKCELL_LOG_FORMAT=json
USER workcell:workcell
WORKDIR /var/lib/workcell
# gRPC and HTTP (/metrics, /healthz, /readyz) of the fleet port plan; a plant file may move them.
EXPOSE 50061-50067 9161-9167
CMD ["workcell", "serve", "--target", "all"]
