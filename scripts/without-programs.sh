#!/usr/bin/env bash
# Runs a command as on a machine where some programs are not installed, to check what a fresh
# machine sees (e.g. that `npm test` skips the nginx/HAProxy tests loudly and still passes):
#
#   sudo scripts/without-programs.sh nginx haproxy -- npm test
#
# Linux only, as root: in a private mount namespace (unshare -m), every directory on PATH and the
# sbin directories that holds one of the programs is covered by a copy without it, so lookups get
# ENOENT exactly as on a machine without the package. Nothing changes outside the command.
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
  exec unshare --mount --propagation private "$0" --inside "$@"
fi
shift
hide=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do hide+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 PROGRAM... -- COMMAND..." >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
IFS=: read -r -a path_dirs <<< "$PATH:/usr/sbin:/sbin:/usr/local/sbin"
declare -A done=()
for dir in "${path_dirs[@]}"; do
  real=$(readlink -f "$dir" 2>/dev/null) || continue
  [ -d "$real" ] && [ -z "${done[$real]:-}" ] || continue
  done[$real]=1
  for prog in "${hide[@]}"; do
    if [ -e "$real/$prog" ]; then
      copy="$scratch/$(echo "$real" | tr / _)"
      if [ ! -d "$copy" ]; then mkdir "$copy"; cp -a "$real/." "$copy/"; fi
      rm -f "$copy/$prog"
    fi
  done
  copy="$scratch/$(echo "$real" | tr / _)"
  [ -d "$copy" ] && mount --bind "$copy" "$real"
done
for prog in "${hide[@]}"; do
  if command -v "$prog" >/dev/null 2>&1; then echo "without-programs: $prog is still found at $(command -v "$prog")" >&2; exit 2; fi
done
"$@"
