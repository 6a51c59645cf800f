#!/usr/bin/env bash
# Builds the Rust load balancers the scenario runner judges, from the source snapshots and patches in
# vendor/rust-lbs/, with Debian's Rust toolchain and crates, offline (no crates.io needed):
#
#   bin/ollama-load-balancer             BigBIueWhale/ollama_load_balancer 1.0.3 + every patch (has --listen)
#   bin/ollama-load-balancer-fixed-port  the same without 03-listen-address.patch: 0.0.0.0:11434 as released
#   bin/ollama-load-balancer-f3          the F3 fork (Jerry-Terrasse/ollama_load_balancer) + every patch
#
# Each snapshot is unpacked into DIR/src/<name> (outside the source tree), Cargo.lock removed, a
# .cargo/config.toml written that points cargo at Debian's crates in /usr/share/cargo/registry, and
# the patches applied in order; the three builds share DIR/target, so the crates compile once.
#
#   scripts/build-rust-lbs.sh [--out DIR]   default DIR: ${XDG_CACHE_HOME:-$HOME/.cache}/ollama-sim/rust-lbs
#   scripts/build-rust-lbs.sh --apt-packages  the Debian packages it needs (apt-get install -y $(...))
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR=$ROOT/vendor/rust-lbs
OUT=${XDG_CACHE_HOME:-$HOME/.cache}/ollama-sim/rust-lbs
REGISTRY=/usr/share/cargo/registry
# Debian's toolchain, named explicitly: a rustup toolchain earlier on PATH would not match Debian's
# crates, and CI has only Debian's.
CARGO_BIN=/usr/bin/cargo
RUSTC_BIN=/usr/bin/rustc
# Debian bookworm names. `librust-clap+derive-dev` is refused (clap 3 provides it too), hence clap-4+derive.
APT_PACKAGES=(
  git cargo rustc
  librust-hyper+full-dev librust-reqwest+stream-dev librust-reqwest+json-dev librust-tokio+full-dev
  librust-futures-util-dev librust-bytes-dev librust-clap-dev librust-clap-4+derive-dev
  librust-clap-derive-dev librust-ordermap-dev librust-serde-dev librust-serde-json-dev
  librust-rand-dev librust-chrono-dev librust-tracing-dev librust-tracing-subscriber+time-dev
  librust-time+formatting-dev librust-time+local-offset-dev librust-time+macros-dev
)

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "build-rust-lbs: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    --apt-packages) echo "${APT_PACKAGES[*]}"; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
case "$OUT/" in
  "$ROOT"/*) die "--out $OUT is inside the source tree $ROOT; build outside it (cargo's target dir is large)" ;;
esac
for tool in "$CARGO_BIN" "$RUSTC_BIN"; do
  [ -x "$tool" ] || die "$tool is missing: apt-get install -y ${APT_PACKAGES[*]}"
done
[ -d "$REGISTRY" ] || die "$REGISTRY is missing (Debian's crates): apt-get install -y ${APT_PACKAGES[*]}"
command -v git >/dev/null || die "git is missing (it applies the patches): apt-get install -y git"

# build NAME SNAPSHOT_DIR [PATCH_TO_LEAVE_OUT]
build() {
  local name=$1 dir=$VENDOR/$2 leave_out=${3:-} src=$OUT/src/$1 started=$SECONDS
  local tarball
  tarball=$(ls "$dir"/*.tar.gz)
  rm -rf "$src"
  mkdir -p "$src/.cargo" "$OUT/bin"
  tar -xzf "$tarball" -C "$src" --strip-components=1
  rm -f "$src/Cargo.lock" # pins crates.io versions; cargo resolves Debian's instead
  cat >"$src/.cargo/config.toml" <<EOF
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$REGISTRY"

[net]
offline = true
EOF
  # A repository of its own, so git apply works relative to the snapshot wherever DIR is.
  git -C "$src" init -q
  local patch
  for patch in "$dir"/*.patch; do
    [ "$(basename "$patch")" = "$leave_out" ] && continue
    git -C "$src" apply --whitespace=nowarn "$patch" || die "$(basename "$patch") does not apply to $(basename "$tarball")"
  done
  # `cargo rustc ... -- -A warnings`: their warnings are not ours to fix (errors still print); the
  # flag reaches only the balancer's own crate, so the crates' builds stay shared and cached.
  (cd "$src" && CARGO_TARGET_DIR=$OUT/target RUSTC=$RUSTC_BIN "$CARGO_BIN" rustc --release --offline --quiet -- -A warnings) ||
    die "cargo build of $name failed (missing crates? apt-get install -y ${APT_PACKAGES[*]})"
  install -m 755 "$OUT/target/release/ollama_load_balancer" "$OUT/bin/$name"
  echo "built $name in $((SECONDS - started)) s"
}

echo "building into $OUT with $("$RUSTC_BIN" --version)"
build ollama-load-balancer ollama-load-balancer
build ollama-load-balancer-fixed-port ollama-load-balancer 03-listen-address.patch
build ollama-load-balancer-f3 ollama-load-balancer-f3
for name in ollama-load-balancer ollama-load-balancer-fixed-port ollama-load-balancer-f3; do
  echo "$OUT/bin/$name"
done
