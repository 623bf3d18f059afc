#!/usr/bin/env bash
# Times git on a generated helpdesk: first add and commit, then status/add/commit after
# desk changed 10 tickets, with git's defaults or tuned (untracked cache, index v4,
# feature.manyFiles). It removes and re-creates HELPDESK_DIR/.git: use a generated one.
# usage: examples/gitbench.sh HELPDESK_DIR DESK_BIN [default|tuned]
set -euo pipefail
dir=$1; desk=$2
cd "$dir"
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@x GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@x
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(echo "$(date +%s.%N) - $s" | bc)"; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rm -rf .git
git init -q -b main
mode=${3:-default}
if [ "$mode" = tuned ]; then
  git config core.untrackedCache true
  git config index.version 4
  git config feature.manyFiles true
fi
echo "mode $mode"
echo "first git add -A: $(t git add -A) s"
echo "first git commit: $(t git commit -q -m init) s"
s=(); for i in 1 2 3 4 5; do s+=($(t git status --porcelain)); done; echo "git status (clean): $(med "${s[@]}") s"
ids=$(ls tickets | sed -n "4991,5000p" | sed "s/.json//")
for id in $ids; do DESK_NOW=2026-11-30T10:00:00Z "$desk" set "$id" +bench >/dev/null 2>&1 || true; done
s=(); for i in 1 2 3; do s+=($(t git status --porcelain)); done; echo "git status (10 changed): $(med "${s[@]}") s"
echo "git add -A (10 changed): $(t git add -A) s"
echo "git commit (10 changed): $(t git commit -q -m work) s"
echo "index size: $(du -h .git/index | cut -f1)"
