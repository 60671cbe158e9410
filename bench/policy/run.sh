#!/usr/bin/env bash
# Build (release) and run the statement-policy micro-benchmark (bench/README.md).
#
#   bench/policy/run.sh [--rounds N] [--round-ms MS] [--only ID[,ID...]]
#
# A package of its own (bench/policy), built into bench/policy/.build so that it
# never touches the main package's .build. Exit status 1 when a target is missed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

# libpg-query-dev (the parser) is the one system package the benchmark needs.
_apt_installed libpg-query-dev || install_deps

log "building the policy benchmark (release)"
swift build -c release --package-path "$HERE" --scratch-path "$HERE/.build" >&2 \
    || die "swift build of bench/policy failed"
BIN="$(swift build -c release --package-path "$HERE" --scratch-path "$HERE/.build" --show-bin-path)/PolicyBench"

printf 'date: %s   host: %s   cores: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(uname -n)" "$(nproc)"
printf 'sluice commit: %s%s\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(git -C "$ROOT" diff --quiet -- Sources 2>/dev/null || echo ' (Sources modified)')"
exec "$BIN" "$@"
