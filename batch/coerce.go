package batch

import (
	"encoding/json"
	"strings"

	"github.com/haibao/haibao/poster"
)

// coerce turns the text a spreadsheet holds into the numbers and booleans
// the layout declares, so "98" fills a number field. Values that do not
// convert are left for CheckData to report.
func coerce(l *poster.Layout, data map[string]any) {
	for _, f := range l.Fields {
		if f.Type != poster.FieldNumber && f.Type != poster.FieldBoolean {
			continue
		}
		v, ok := lookup(data, f.Name)
		s, isText := v.(string)
		if !ok || !isText {
			continue
		}
		s = strings.TrimSpace(s)
		switch f.Type {
		case poster.FieldNumber:
			if isJSONNumber(s) {
				set(data, f.Name, json.Number(s))
			}
		case poster.FieldBoolean:
			switch strings.ToLower(s) {
			case "true":
				set(data, f.Name, true)
			case "false":
				set(data, f.Name, false)
			}
		}
	}
}

func isJSONNumber(s string) bool {
	var n json.Number
	return s != "" && s[0] != '"' && json.Unmarshal([]byte(s), &n) == nil
}
