package rows

import "fmt"

// Limits bound what one row may cost. The zero value takes the defaults.
type Limits struct {
	MaxRowBytes  int   // bytes of one record as stored; default 1 MiB
	MaxColumns   int   // columns of the header or fields of a JSON object; default 256
	MaxCellBytes int   // bytes of one value after decoding; default 64 KiB
	MaxXLSXBytes int64 // bytes a workbook may unzip to; default 1 GiB
}

const (
	DefaultMaxRowBytes  = 1 << 20
	DefaultMaxColumns   = 256
	DefaultMaxCellBytes = 64 << 10
	DefaultMaxXLSXBytes = 1 << 30
)

// Validate checks the limits.
func (l Limits) Validate() error {
	if l.MaxRowBytes < 0 || l.MaxColumns < 0 || l.MaxCellBytes < 0 || l.MaxXLSXBytes < 0 {
		return fmt.Errorf("rows: limits must not be negative")
	}
	if l.MaxCellBytes > 0 && l.MaxRowBytes > 0 && l.MaxCellBytes > l.MaxRowBytes {
		return fmt.Errorf("rows: MaxCellBytes (%d) is over MaxRowBytes (%d)", l.MaxCellBytes, l.MaxRowBytes)
	}
	return nil
}

func (l Limits) withDefaults() Limits {
	if l.MaxRowBytes == 0 {
		l.MaxRowBytes = DefaultMaxRowBytes
	}
	if l.MaxColumns == 0 {
		l.MaxColumns = DefaultMaxColumns
	}
	if l.MaxCellBytes == 0 {
		l.MaxCellBytes = min(DefaultMaxCellBytes, l.MaxRowBytes)
	}
	if l.MaxXLSXBytes == 0 {
		l.MaxXLSXBytes = DefaultMaxXLSXBytes
	}
	return l
}
