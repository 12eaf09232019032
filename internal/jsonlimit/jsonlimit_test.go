package jsonlimit

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	lim := Limits{MaxDepth: 3, MaxValues: 6}
	v, err := Decode([]byte(` {"a": 12345678901234567, "b": [12.50, "x", null], "a": true} `), lim)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": true, "b": []any{json.Number("12.50"), "x", nil}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v", v)
	}
	v, _ = Decode([]byte(`12345678901234567`), lim)
	if v != json.Number("12345678901234567") {
		t.Errorf("number: %#v", v)
	}
}

func TestDecodeErrors(t *testing.T) {
	lim := Limits{MaxDepth: 3, MaxValues: 5}
	tests := []struct {
		in   string
		want string
	}{
		{``, "the body is empty"},
		{`   `, "the body is empty"},
		{`{"a": `, "syntax error at byte"},
		{`{"a": 1} {}`, "more than one JSON value"},
		{`{"a": 1,}`, "syntax error"},
		{`[[[[1]]]]`, "nested deeper than 3 levels"},
		{`{"a": {"b": {"c": {}}}}`, "nested deeper than 3 levels"},
		{`[1, 2, 3, 4, 5, 6]`, "more than 5 keys and array elements"},
		{`{"a": [1, 2], "b": {"c": 1, "d": 2}}`, "more than 5 keys and array elements"},
		{`[1, 2, 3, 4, 5]`, ""},
		{`[[["x"]]]`, ""},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in), lim)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
	var le *LimitError
	if _, err := Decode([]byte(`[[[[1]]]]`), lim); !errors.As(err, &le) {
		t.Errorf("depth error is %T", err)
	}
	if _, err := Decode([]byte(`{}`), Limits{}); err == nil {
		t.Error("zero limits accepted")
	}
}

// TestDeepInputIsCheap: a body of a million brackets is refused at the
// bound, not after building a million levels.
func TestDeepInputIsCheap(t *testing.T) {
	in := strings.Repeat("[", 1<<20)
	_, err := Decode([]byte(in), Limits{MaxDepth: 32, MaxValues: 10000})
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Fatal(err)
	}
}
