#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerates one patch of the base series from an overlay of edited files.
#
#   kernel/mkpatch.sh OVERLAY HEADER OUT
#
# OVERLAY holds the new versions of changed and added files under their
# kernel paths; the old versions come from the pristine build/src. HEADER
# is the mail header and commit message; OUT gets header, diffstat, diff.
# The old versions are those of the tree OUT applies to: the pristine
# source with the patches before OUT in kernel/patches/series applied.
set -euo pipefail
overlay=$(cd "$1" && pwd)
header=$2
out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a" "$tmp/b"
# Earlier patches of the series, applied to a hard-linked copy (patch(1)
# replaces the files it changes, so the pristine tree stays as it is).
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	[ "$p" = "$(basename "$out")" ] && break
	if [ "$src" = "$top/build/src" ]; then
		cp -al "$top/build/src" "$tmp/base"
		src=$tmp/base
	fi
	patch -s -p1 -d "$src" < "$top/kernel/patches/$p"
done < "$top/kernel/patches/series"
(cd "$overlay" && find . -type f | sort) | while read -r f; do
	f=${f#./}
	mkdir -p "$tmp/b/$(dirname "$f")"
	cp "$overlay/$f" "$tmp/b/$f"
	if [ -f "$src/$f" ]; then
		mkdir -p "$tmp/a/$(dirname "$f")"
		cp "$src/$f" "$tmp/a/$f"
	fi
done
# No trailing whitespace anywhere, so that checkpatch, which checks a file
# git tracks as a source file, passes it too: blank context lines stay
# empty (GNU patch reads them as context), diffstat lines are trimmed and
# there is no "-- " signature.
(cd "$tmp" && diff -Naur --show-c-function --suppress-blank-empty a b > diff) || true
{
	cat "$header"
	echo "---"
	diffstat -p1 -w 70 "$tmp/diff" | sed 's/^/ /; s/[[:space:]]*$//'
	echo
	sed -E 's/^(---|\+\+\+) ([ab]\/[^\t]*)\t.*/\1 \2/' "$tmp/diff"
} > "$out"
