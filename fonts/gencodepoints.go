//go:build ignore

// Command gencodepoints prints, one hexadecimal code point per line, the
// characters kept in the subset CJK faces: all of GB 2312, the Table of
// General Standard Chinese Characters (read from the Unihan kTGH field),
// and the Latin, punctuation and symbol blocks Chinese posters use.
//
// Usage: go run gencodepoints.go [Unihan_OtherMappings.txt] > codepoints.txt
package main

import (
	"bufio"
	"compress/bzip2"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ranges are whole blocks kept regardless of the character lists.
var ranges = [][2]rune{
	{0x0020, 0x007E}, // ASCII
	{0x00A0, 0x00FF}, // Latin-1 Supplement
	{0x0100, 0x017F}, // Latin Extended-A (pinyin tone marks, European names)
	{0x01CD, 0x01DC}, // pinyin with caron
	{0x02C6, 0x02DD}, // spacing modifiers
	{0x0391, 0x03C9}, // Greek
	{0x0401, 0x0451}, // Cyrillic (part of GB 2312 anyway)
	{0x2000, 0x206F}, // General Punctuation
	{0x20A0, 0x20C0}, // Currency Symbols
	{0x2100, 0x214F}, // Letterlike Symbols (℃ № ™)
	{0x2150, 0x218F}, // Number Forms (Ⅰ Ⅱ)
	{0x2190, 0x21FF}, // Arrows
	{0x2200, 0x22FF}, // Mathematical Operators
	{0x2460, 0x24FF}, // Enclosed Alphanumerics (① ②)
	{0x2500, 0x257F}, // Box Drawing
	{0x25A0, 0x25FF}, // Geometric Shapes (■ ● ★ is next block)
	{0x2600, 0x26FF}, // Miscellaneous Symbols (★ ☆ ♀)
	{0x3000, 0x303F}, // CJK Symbols and Punctuation
	{0x3040, 0x30FF}, // Hiragana, Katakana
	{0x3100, 0x312F}, // Bopomofo
	{0x3200, 0x32FF}, // Enclosed CJK Letters and Months
	{0x3300, 0x33FF}, // CJK Compatibility (㎡ ㎏)
	{0xFE10, 0xFE1F}, // Vertical Forms
	{0xFE30, 0xFE4F}, // CJK Compatibility Forms
	{0xFE50, 0xFE6F}, // Small Form Variants
	{0xFF00, 0xFFEF}, // Halfwidth and Fullwidth Forms (￥ ！ （ ）)
	{0xFFFD, 0xFFFD}, // replacement character
}

func main() {
	set := map[rune]bool{}
	for _, r := range ranges {
		for c := r[0]; c <= r[1]; c++ {
			set[c] = true
		}
	}
	addGB2312(set)
	if len(os.Args) > 1 {
		n, err := addTGH(set, os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "gencodepoints:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "gencodepoints: %d kTGH characters\n", n)
	}
	out := make([]rune, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	w := bufio.NewWriter(os.Stdout)
	for _, c := range out {
		fmt.Fprintf(w, "%X\n", c)
	}
	w.Flush()
	fmt.Fprintf(os.Stderr, "gencodepoints: %d code points\n", len(out))
}

// addGB2312 decodes every two-byte EUC-CN code (rows 0xA1–0xF7, cells
// 0xA1–0xFE) and keeps those that map to a character.
func addGB2312(set map[rune]bool) {
	// GBK is a superset of GB 2312 with the same byte layout in this range;
	// its few additions here (vertical forms, pinyin) are welcome too.
	gbk := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			b, err := gbk.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil || !utf8.Valid(b) {
				continue
			}
			r, _ := utf8.DecodeRune(b)
			if r == utf8.RuneError || r >= 0xE000 && r <= 0xF8FF {
				continue // undefined or private-use code
			}
			set[r] = true
		}
	}
}

// addTGH reads the kTGH lines of Unihan_OtherMappings.txt (optionally
// bzip2-compressed, as Debian's unicode-data ships it).
func addTGH(set map[rune]bool, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".bz2") {
		r = bzip2.NewReader(f)
	}
	n := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 3 || fields[1] != "kTGH" || !strings.HasPrefix(fields[0], "U+") {
			continue
		}
		c, err := strconv.ParseUint(fields[0][2:], 16, 32)
		if err != nil {
			return n, fmt.Errorf("bad code point %q: %w", fields[0], err)
		}
		set[rune(c)] = true
		n++
	}
	return n, sc.Err()
}
