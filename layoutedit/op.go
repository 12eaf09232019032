package layoutedit

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Kind names an edit.
type Kind string

const (
	KindSet       Kind = "set"       // set Path of an element to Value
	KindUnset     Kind = "unset"     // remove Path from an element
	KindMove      Kind = "move"      // move an element by DX, DY layout units
	KindAdd       Kind = "add"       // insert Value (an element) at Index
	KindDuplicate Kind = "duplicate" // copy the element at Index after it, with id NewID
	KindRemove    Kind = "remove"    // remove the element at Index
	KindReorder   Kind = "reorder"   // move the element at Index to position To
)

// RootIndex in a set or unset addresses the file's top-level mapping
// instead of an element: Path ["canvas", "background"].
const RootIndex = -1

// Op is one edit of a layout's elements, as the editor page sends it.
type Op struct {
	Kind  Kind            `json:"op"`
	Index int             `json:"index"`        // element, counted from 0 in file order; RootIndex for top-level keys
	ID    string          `json:"id,omitempty"` // when set, the element at Index must have this id
	Path  []string        `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"` // JSON; its key order is kept
	DX    float64         `json:"dx,omitempty"`
	DY    float64         `json:"dy,omitempty"`
	// X and Y are the element's new absolute position, used when a move
	// has to replace "center" with a number.
	X     *float64 `json:"x,omitempty"`
	Y     *float64 `json:"y,omitempty"`
	To    int      `json:"to,omitempty"`
	NewID string   `json:"new_id,omitempty"`
}

// Error is an edit that cannot be made; its message is safe to show.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, a ...any) error { return &Error{Msg: fmt.Sprintf(format, a...)} }

// ErrUnchecked marks an edit whose result did not read back as intended;
// it is a bug in this package and nothing is written.
var ErrUnchecked = errors.New("layoutedit: the edited file does not read back as intended")
