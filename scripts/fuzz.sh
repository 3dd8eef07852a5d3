#!/usr/bin/env bash
# Fuzzes the decoders that read bytes from outside the fleet, with libFuzzer and AddressSanitizer
# (clang's, shipped with the Swift toolchain: swiftc -sanitize=fuzzer,address).
#
#   scripts/fuzz.sh [--runs N | --seconds S] [TARGET ...]
#
# Targets (default: all):
#   modbus-frame   Modbus TCP frames and PDUs from a PLC (Shared/ModbusProtocol)
#   joint-bus      joint-bus datagrams from a robot or the simulator (Shared/JointBus)
#   safetensors    model files given to the policy service (Shared/PolicyRuntime)
#   plant-file     plant files (YAML) and their checks (Shared/PlantConfig, with Yams)
#   cycle-wire     ReportCycles/ReportCycleBatch requests read by yield's protobuf wire reader
#                  (Services/yield/YieldService/CycleRecordWire.swift), checked against SwiftProtobuf
#
# Each target is its module's sources plus Tests/Fuzz/<Harness>.swift compiled into one binary in
# .build/fuzz/, linked with the libraries the module imports; Yams (with its C part) and
# SwiftProtobuf are compiled from the package checkouts in .build/checkouts (`swift package
# resolve` when missing). A library is compiled again only when its sources or this script change.
# It starts from the committed seeds in Tests/Fuzz/corpus/<target>; inputs it finds stay in
# .build/fuzz/corpus-<target> (not committed). Prints per target `fuzz_<target>: <runs> runs in
# <s> s, crashes <n>, leaks <n>`; a crashing input is saved as .build/fuzz/crash-<target>-* and
# the exit status is 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/fuzz"
mkdir -p "$out"

limit=(-max_total_time=10)
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) limit=(-runs="$2"); shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(modbus-frame joint-bus safetensors plant-file cycle-wire)

sources_of() {  # sources_of TARGET -> module name, source files
  case "$1" in
    modbus-frame) echo ModbusProtocol; find "$root/Shared/ModbusProtocol" -name '*.swift' | sort; echo "$root/Tests/Fuzz/ModbusFrameFuzz.swift" ;;
    joint-bus) echo JointBus; find "$root/Shared/JointBus" -name '*.swift' | sort; echo "$root/Tests/Fuzz/JointBusFuzz.swift" ;;
    safetensors) echo PolicyRuntime; find "$root/Shared/PolicyRuntime" -name '*.swift' | sort; echo "$root/Tests/Fuzz/SafetensorsFuzz.swift" ;;
    plant-file) echo PlantConfig; find "$root/Shared/PlantConfig" -name '*.swift' | sort; echo "$root/Tests/Fuzz/PlantFileFuzz.swift" ;;
    cycle-wire)
      # The wire reader and the drafts it makes, not the rest of the service (gRPC, HTTP, storage).
      echo YieldService
      for file in CycleRecordWire RecordDrafts RecordReading JSONValue; do echo "$root/Services/yield/YieldService/$file.swift"; done
      echo "$root/Shared/WorkcellRuntime/PlantVocabularyProto.swift"
      echo "$root/Tests/Fuzz/CycleWireFuzz.swift" ;;
    *) echo "fuzz.sh: unknown target '$1' (modbus-frame, joint-bus, safetensors, plant-file, cycle-wire)" >&2; return 2 ;;
  esac
}

dependencies_of() {  # dependencies_of TARGET -> the libraries its module imports, in build order
  case "$1" in
    joint-bus) echo RobotDescription RobotHardware ;;
    safetensors) echo RobotDescription ;;
    plant-file) echo YieldKPI CYaml Yams ;;
    cycle-wire) echo YieldKPI SwiftProtobuf WorkcellProto ;;
  esac
}

checkouts="$root/.build/checkouts"
cyaml_include="$checkouts/Yams/Sources/CYaml/include"
library_sources() {  # library_sources LIBRARY -> its source files
  case "$1" in
    CYaml) find "$checkouts/Yams/Sources/CYaml/src" -name '*.c' | sort ;;
    Yams) find "$checkouts/Yams/Sources/Yams" -name '*.swift' | sort ;;
    SwiftProtobuf) find "$checkouts/swift-protobuf/Sources/SwiftProtobuf" -name '*.swift' | sort ;;
    # Only the messages cycle-wire reads (the other generated files need GRPCCore and more).
    WorkcellProto) printf '%s\n' "$root/Shared/WorkcellProto/workcell_common_v1_common.pb.swift" \
      "$root/Shared/WorkcellProto/workcell_yield_v1_yield.pb.swift" ;;
    *) find "$root/Shared/$1" -name '*.swift' | sort ;;
  esac
}

modules="$out/modules"
mkdir -p "$modules"
# Yams imports its C part as the clang module CYaml (the module map is in its include directory).
includes=(-I "$modules" -I "$cyaml_include" -Xcc -DYAML_DECLARE_STATIC)
clang="$(dirname "$(command -v swiftc)")/clang"
stale=0  # set once a library of the current target is compiled: the ones after it import it
build_dependency() {  # build_dependency LIBRARY -> $modules/LIBRARY.o (and LIBRARY.swiftmodule)
  mapfile -t files < <(library_sources "$1")
  [ ${#files[@]} -gt 0 ] || { echo "fuzz.sh: no sources for $1" >&2; return 1; }
  if [ $stale = 0 ] && [ -e "$modules/$1.o" ] && [ -z "$(find "${files[@]}" "$0" -newer "$modules/$1.o" | head -1)" ]; then
    return 0
  fi
  stale=1
  echo "fuzz.sh: building $1" >&2
  if [ "$1" = CYaml ]; then
    local parts=() file
    for file in "${files[@]}"; do
      "$clang" -fsanitize=fuzzer-no-link,address -O2 -g -DYAML_DECLARE_STATIC -I "$cyaml_include" \
        -c "$file" -o "$modules/CYaml-$(basename "$file" .c).o"
      parts+=("$modules/CYaml-$(basename "$file" .c).o")
    done
    ld -r -o "$modules/CYaml.o" "${parts[@]}"
    return 0
  fi
  local package=()  # the packages' sources as SwiftPM compiles them (Yams imports CYaml only then)
  case "$1" in Yams|SwiftProtobuf) package=(-D SWIFT_PACKAGE -package-name "$1") ;; esac
  swiftc -sanitize=fuzzer,address -parse-as-library -module-name "$1" -O -g -wmo "${includes[@]}" "${package[@]}" \
    -emit-module -emit-module-path "$modules/$1.swiftmodule" -emit-object -o "$modules/$1.o" "${files[@]}"
  touch "$modules/$1.o"  # swiftc keeps an unchanged object file's old time
}

[ -d "$checkouts/Yams" ] && [ -d "$checkouts/swift-protobuf" ] || (cd "$root" && swift package resolve)

status=0
for target in "${targets[@]}"; do
  mapfile -t parts < <(sources_of "$target")
  module=${parts[0]}
  binary="$out/$target"
  objects=()
  stale=0
  for dependency in $(dependencies_of "$target"); do
    build_dependency "$dependency"
    objects+=("$modules/$dependency.o")
  done
  echo "fuzz.sh: building $target (swiftc -sanitize=fuzzer,address)" >&2
  swiftc -sanitize=fuzzer,address -parse-as-library -module-name "$module" -O -g "${includes[@]}" \
    -Xlinker --no-warn-mismatch "${parts[@]:1}" "${objects[@]}" -o "$binary" 2> >(grep -v "Cannot export local symbol" >&2)
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$root/Tests/Fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  log="$out/$target.log"
  started=$(date +%s%N)
  set +e
  "$binary" "${limit[@]}" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$out/crash-$target-" "$corpus" > "$log" 2>&1
  code=$?
  set -e
  seconds=$(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  crashes=$(grep -c '^==[0-9]*==ERROR: AddressSanitizer\|deadly signal\|Fatal error' "$log" || true)
  leaks=$(grep -c 'ERROR: LeakSanitizer' "$log" || true)
  printf 'fuzz_%s: %s runs in %s s, crashes %s, leaks %s\n' "$target" "${runs:-0}" "$seconds" "$crashes" "$leaks"
  if [ "$code" != 0 ] || [ "$crashes" != 0 ] || [ "$leaks" != 0 ]; then
    echo "fuzz.sh: $target failed (exit $code); the log: $log" >&2
    tail -40 "$log" >&2
    status=1
  fi
done
exit $status
