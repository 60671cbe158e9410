#!/usr/bin/env bash
# Enforce the architecture of docs/design (the package graph is the architecture)
# on the source text, for what Package.swift alone cannot catch.
#
# Fails, printing every offending line, when:
#  1. a layer-0/1 target (PGWire, SluiceModel, SQLPolicy, PGSession, SluicePool)
#     names ChannelHandlerContext or EventLoop (also EventLoopGroup/Future/Promise),
#     or imports NIOPosix;
#  2. Hummingbird (or a Hummingbird* module) is imported outside Sources/AdminAPI
#     and Sources/SluiceApp;
#  3. PostgresNIO is imported in Sources outside Sources/ControlPlane and Sources/SluiceApp;
#  4. a layer-0 target (PGWire, SluiceModel) imports another Sluice target;
#  5. anything in Sources imports SluiceTestSupport.
# Comment lines (//, ///, /* ... */ continuation lines starting with *) are ignored.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOW_LAYERS=(PGWire SluiceModel SQLPolicy PGSession SluicePool)
LAYER0=(PGWire SluiceModel)
failures=0

# An import line, with optional attributes (@preconcurrency, @_implementationOnly, ...),
# access modifier and import kind (import struct M.T).
IMPORT_PREFIX='^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((typealias|struct|class|enum|protocol|let|var|func|actor)[[:space:]]+)?'

# swift_files DIR...: the Swift files under those directories that exist.
swift_files() {
    local d
    for d in "$@"; do
        [[ -d "$d" ]] && find "$d" -type f -name '*.swift' -print
    done
    return 0
}

# scan DESCRIPTION REGEX FILE...: print and count lines matching REGEX, skipping comments.
scan() {
    local what="$1" regex="$2"
    shift 2
    (($#)) || return 0
    local hits
    hits="$(grep -nHE -- "$regex" "$@" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)' || true)"
    if [[ -n "$hits" ]]; then
        printf 'layering violation: %s\n' "$what"
        printf '%s\n' "$hits" | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

mapfile -t low_files < <(swift_files "${LOW_LAYERS[@]/#/Sources/}")
scan "layer-0/1 targets must not name ChannelHandlerContext or EventLoop" \
    '\b(ChannelHandlerContext|EventLoop(Group|Future|Promise)?)\b' "${low_files[@]}"
scan "layer-0/1 targets must not import NIOPosix" \
    "${IMPORT_PREFIX}NIOPosix\\b" "${low_files[@]}"

mapfile -t not_http < <(swift_files Sources | grep -vE '^Sources/(AdminAPI|SluiceApp)/' || true)
scan "Hummingbird may be imported only in Sources/AdminAPI and Sources/SluiceApp" \
    "${IMPORT_PREFIX}Hummingbird[A-Za-z]*\\b" "${not_http[@]}"

mapfile -t not_pg < <(swift_files Sources | grep -vE '^Sources/(ControlPlane|SluiceApp)/' || true)
scan "PostgresNIO may be imported only in Sources/ControlPlane and Sources/SluiceApp" \
    "${IMPORT_PREFIX}PostgresNIO\\b" "${not_pg[@]}"

# Every Sluice module: the directories of Sources/ and Tests/SluiceTestSupport.
mapfile -t modules < <( (find Sources -mindepth 1 -maxdepth 1 -type d -printf '%f\n'; echo SluiceTestSupport) | sort -u)
for target in "${LAYER0[@]}"; do
    others=()
    for m in "${modules[@]}"; do
        [[ "$m" == "$target" ]] || others+=("$m")
    done
    ((${#others[@]})) || continue
    alternation="$(IFS='|'; echo "${others[*]}")"
    mapfile -t files < <(swift_files "Sources/$target")
    scan "layer-0 target $target must not import another Sluice target" \
        "${IMPORT_PREFIX}(${alternation})([.[:space:]]|\$)" "${files[@]}"
done

mapfile -t all_sources < <(swift_files Sources)
scan "nothing in Sources may import SluiceTestSupport" \
    "${IMPORT_PREFIX}SluiceTestSupport\\b" "${all_sources[@]}"

if ((failures)); then
    printf 'check-layering: %d rule(s) violated\n' "$failures"
    exit 1
fi
printf 'check-layering: OK (%d Swift files in Sources)\n' "${#all_sources[@]}"
