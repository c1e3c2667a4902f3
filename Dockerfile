# An image with the Rust toolchain and cnbcargo, so that a pipeline run with
# `cnbcargo ci --image <this image>` installs nothing (docs/ci.md shows the
# pipeline that builds and pushes it to the team's CNB docker registry).
#
# The build stage uses the oldest Rust cnbcargo supports (`rust-version` in
# Cargo.toml); the final stage keeps the toolchain, since `cnbcargo publish`
# runs cargo.
ARG RUST_VERSION=1.89

FROM rust:${RUST_VERSION} AS build
WORKDIR /src
COPY . .
# --locked: the versions in Cargo.lock, as the tests ran them.
RUN cargo build --release --locked --bin cnbcargo

FROM rust:${RUST_VERSION}
COPY --from=build /src/target/release/cnbcargo /usr/local/cargo/bin/cnbcargo
RUN cnbcargo --version
