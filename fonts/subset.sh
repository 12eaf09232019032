#!/bin/sh
# Regenerates the embedded font files from Debian's packages.
# Needs: fonts-noto-cjk fonts-noto-core fonts-noto-color-emoji python3-fonttools.
# Run from anywhere: sh fonts/subset.sh
#
# The CJK faces are the whole "Noto Sans CJK SC" member of Debian's
# collections (every character the collection maps: Simplified and
# Traditional Chinese, Japanese kana and kanji, Hangul, the Ext-B
# characters it carries), without hinting, vertical-writing glyphs or the
# regional variants only reachable through the locl feature, which keeps
# each weight well under the collection's size.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cjk=/usr/share/fonts/opentype/noto
noto=/usr/share/fonts/truetype/noto
sc=2 # face index of "Noto Sans CJK SC" in the Debian .ttc collections
subset="/usr/bin/python3 -m fontTools.subset"

for weight in Regular Bold; do
	$subset "$cjk/NotoSansCJK-$weight.ttc" --font-number=$sc --unicodes='*' \
		--layout-features='calt,ccmp,liga,ljmo,tjmo,vjmo,halt,kern,mark,palt' \
		--no-hinting --notdef-outline --name-IDs='*' --name-languages='*' \
		--output-file="$here/NotoSansSC-$weight.otf"
done

# Latin (Extended-A/B, Vietnamese, combining marks), Greek and Cyrillic;
# Arabic script (Arabic, Persian, Urdu, Uyghur); Hebrew; Thai; symbols,
# dingbats and operators; Georgian and Vai, whose letters nicknames use as
# ornaments. These are small, so they are taken whole.
for f in NotoSans-Regular NotoSans-Bold NotoSansArabic-Regular NotoSansArabic-Bold \
	NotoSansHebrew-Regular NotoSansHebrew-Bold NotoSansThai-Regular NotoSansThai-Bold \
	NotoSansSymbols-Regular NotoSansSymbols-Bold NotoSansSymbols2-Regular \
	NotoSansGeorgian-Regular NotoSansGeorgian-Bold NotoSansVai-Regular; do
	cp "$noto/$f.ttf" "$here/$f.ttf"
done
# Of Noto Sans Math only arrows and operators (≒ ∼ ...), without the MATH
# table, which alone makes the whole font slow to parse.
$subset "$noto/NotoSansMath-Regular.ttf" \
	--unicodes='U+2190-21FF,U+2200-22FF,U+2300-23FF,U+27C0-27EF,U+27F0-27FF,U+2900-297F,U+2980-29FF,U+2A00-2AFF,U+2B00-2BFF' \
	--layout-features='*' --drop-tables+=MATH --output-file="$here/NotoSansMath-Operators.ttf"
# Of Tibetan only the marks nicknames use as ornaments (༄ ༺ ༻ ...).
$subset "$noto/NotoSerifTibetan-Regular.ttf" --unicodes='U+0F00-0F17,U+0F1A-0F1F,U+0F34-0F3F' \
	--layout-features='*' --output-file="$here/NotoSerifTibetan-Symbols.ttf"
cp "$noto/NotoColorEmoji.ttf" "$here/NotoColorEmoji.ttf"

# The OFL texts, as Debian's copyright files carry them.
ofl() { # ofl COPYRIGHT-FILE HEADER > OUT
	printf '%s\n\n' "$2"
	awk '/^License: *(SIL|OFL)-1.1$/ && !done { on = 1; next }
	     on && !/^ / { on = 0; if (n) done = 1 }
	     on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print; n++ }' "$1"
}
ofl /usr/share/doc/fonts-noto-cjk/copyright \
	"Noto Sans CJK SC (NotoSansSC-Regular.otf, NotoSansSC-Bold.otf; made by subset.sh). Copyright © 2014-2021 Adobe (http://www.adobe.com/), as the font's name table states." \
	> "$here/OFL-NotoSansCJK.txt"
ofl /usr/share/doc/fonts-noto-core/copyright \
	"Noto Sans, Noto Sans Arabic, Noto Sans Hebrew, Noto Sans Thai, Noto Sans Symbols, Noto Sans Symbols 2, Noto Sans Math (subset), Noto Sans Georgian, Noto Sans Vai and Noto Serif Tibetan (subset) (NotoSans*.ttf, NotoSerifTibetan-Symbols.ttf). Copyright 2015-2020 Google LLC and Google Inc., as the fonts' name tables state." \
	| awk 'NR == 3 && !/^-/ { print "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007"; print "" } { print }' \
	> "$here/OFL-NotoSans.txt" # Debian's text of this one lacks the title
ofl /usr/share/doc/fonts-noto-color-emoji/copyright \
	"Noto Color Emoji (NotoColorEmoji.ttf). Copyright 2022 Google Inc., as the font's name table states." \
	> "$here/OFL-NotoColorEmoji.txt"

ls -l "$here"/*.otf "$here"/*.ttf
