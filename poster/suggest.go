package poster

import (
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// suggest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a plausible typo. A candidate that s is the
// start of ("Noto Sans" for "Noto Sans SC") also counts.
func suggest(s string, candidates []string) string {
	best, bestD := "", max(2, utf8.RuneCountInString(s)/3)+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	stem := strings.TrimSuffix(s, path.Ext(s))
	if utf8.RuneCountInString(stem) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(stem)) {
				return c
			}
		}
	}
	return ""
}

// keyAliases are names designers bring from CSS or other tools, mapped to
// the layout format's own key.
var keyAliases = map[string]string{
	"colour": "color", "font_size": "size", "fontSize": "size", "font_family": "font", "fontFamily": "font",
	"font_weight": "weight", "fontWeight": "weight", "lineHeight": "line_height", "maxLines": "max_lines",
	"letterSpacing": "letter_spacing", "textAlign": "align", "text_align": "align", "borderRadius": "radius",
	"border_radius": "radius", "background_color": "fill", "backgroundColor": "fill", "src_url": "src", "url": "src",
	"width": "size", "height": "size", "lineColor": "line_color", "isHyaline": "transparent", "is_hyaline": "transparent",
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func itoa(i int) string { return strconv.Itoa(i) }
