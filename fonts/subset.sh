#!/bin/sh
# Regenerates the embedded font files from Debian's packages.
# Needs: fonts-noto-cjk fonts-noto-color-emoji libharfbuzz-bin unicode-data, and Go.
# Run from anywhere: sh fonts/subset.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cjk=/usr/share/fonts/opentype/noto
emoji=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
unihan=/usr/share/unicode/Unihan_OtherMappings.txt.bz2
sc=2 # face index of "Noto Sans CJK SC" in the Debian .ttc collections

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$here" && go run gencodepoints.go "$unihan") > "$tmp/codepoints.txt"

for weight in Regular Bold; do
	hb-subset --font-file="$cjk/NotoSansCJK-$weight.ttc" --face-index=$sc \
		--unicodes-file="$tmp/codepoints.txt" \
		--layout-features='*' --no-hinting --notdef-outline \
		--output-file="$here/NotoSansSC-$weight.otf"
done

cp "$emoji" "$here/NotoColorEmoji.ttf"

# The OFL texts, as Debian's copyright files carry them.
ofl() { # ofl COPYRIGHT-FILE HEADER > OUT
	printf '%s\n\n' "$2"
	awk '/^License: *SIL-1.1$/ && !done { on = 1; next }
	     on && !/^ / { on = 0; if (n) done = 1 }
	     on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print; n++ }' "$1"
}
ofl /usr/share/doc/fonts-noto-cjk/copyright \
	"Noto Sans CJK SC (NotoSansSC-Regular.otf, NotoSansSC-Bold.otf; subsets made by subset.sh). Copyright © 2014-2021 Adobe (http://www.adobe.com/), as the font's name table states." \
	> "$here/OFL-NotoSansCJK.txt"
ofl /usr/share/doc/fonts-noto-color-emoji/copyright \
	"Noto Color Emoji (NotoColorEmoji.ttf). Copyright 2022 Google Inc., as the font's name table states." \
	> "$here/OFL-NotoColorEmoji.txt"

ls -l "$here"/*.otf "$here"/*.ttf
