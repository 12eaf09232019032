package batch

import (
	"fmt"
	"strings"
)

// MissingColumnsError says the header lacks columns for fields the layout
// requires: every row would fail, so the run does not start.
type MissingColumnsError struct {
	Fields []string
}

func (e *MissingColumnsError) Error() string {
	return fmt.Sprintf("data has no column for the required field(s) %s (columns are field names; nested fields use dots, e.g. user.name)",
		strings.Join(e.Fields, ", "))
}

// CheckColumns compares a header with the layout's required fields. A
// nil header (JSON Lines) is not checked: each row says what it has.
func CheckColumns(cfg Config, columns []string) error {
	if columns == nil {
		return nil
	}
	have := map[string]bool{}
	for _, c := range columns {
		c = strings.TrimSpace(c)
		// "user.name" also provides "user".
		for p := c; p != ""; {
			have[p] = true
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	var missing []string
	for _, f := range cfg.Layout.Fields {
		if f.Required && !have[f.Name] {
			missing = append(missing, f.Name)
		}
	}
	if cfg.Name != nil {
		for _, f := range cfg.Name.fields {
			if !have[f] {
				missing = append(missing, f+" (used by --name)")
			}
		}
	}
	if len(missing) > 0 {
		return &MissingColumnsError{Fields: missing}
	}
	return nil
}
