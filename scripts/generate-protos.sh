#!/usr/bin/env bash
# Regenerates Shared/WorkcellProto from Protos/ and records the hash of Protos/ beside it.
#
#   scripts/generate-protos.sh           build the pinned plugins (release, once) and generate
#   scripts/generate-protos.sh --check   only check that Shared/WorkcellProto/PROTOS_SHA256
#                                        matches Protos/ (cheap: what CI runs)
#
# Uses Debian's protoc (apt-get install protobuf-compiler) and protoc-gen-swift /
# protoc-gen-grpc-swift-2 built from scripts/protoc-plugins (pinned versions). The SwiftPM build
# plugin is deliberately not used: it compiles protoc from C++ on every clean build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/Shared/WorkcellProto"
hash_file="$out/PROTOS_SHA256"

protos_hash() {
  # Content and path of every .proto, in a stable order, independent of the checkout's location.
  (cd "$root" && find Protos -type f -name '*.proto' | LC_ALL=C sort | while read -r f; do
    printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"
  done) | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = "--check" ]; then
  want=$(protos_hash)
  have=$(cat "$hash_file" 2>/dev/null || echo missing)
  if [ "$want" != "$have" ]; then
    echo "generate-protos: Protos/ changed (sha256 $want) but Shared/WorkcellProto was generated from $have." >&2
    echo "generate-protos: run scripts/generate-protos.sh and commit the result." >&2
    exit 1
  fi
  echo "generate-protos: Shared/WorkcellProto matches Protos/ ($want)"
  exit 0
fi
if [ $# -gt 0 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  [ "$1" = "--help" ] || [ "$1" = "-h" ] && exit 0 || exit 2
fi

if ! command -v protoc >/dev/null 2>&1; then
  echo "generate-protos: installing protoc (Debian protobuf-compiler)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler >/dev/null; }
fi

plugins="$root/scripts/protoc-plugins"
bin="$plugins/.build/release"
if [ ! -x "$bin/protoc-gen-swift" ] || [ ! -x "$bin/protoc-gen-grpc-swift-2" ]; then
  echo "generate-protos: building protoc plugins (release, ~2 min the first time)" >&2
  swift build --package-path "$plugins" -c release --product protoc-gen-swift >&2
  swift build --package-path "$plugins" -c release --product protoc-gen-grpc-swift-2 >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t files < <(cd "$root/Protos" && find . -type f -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
(cd "$root/Protos" && protoc -I . \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$tmp" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift-2_out="$tmp" --grpc-swift-2_opt=Visibility=Public,FileNaming=PathToUnderscores,Client=true,Server=true \
  "${files[@]}")

mkdir -p "$out"
find "$out" -maxdepth 1 -name '*.swift' -delete
cp "$tmp"/*.swift "$out"/
protos_hash > "$hash_file"
echo "generate-protos: wrote $(ls "$out"/*.swift | wc -l) files to Shared/WorkcellProto ($(cat "$hash_file"))"
