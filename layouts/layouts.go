// Package layouts holds the sample layouts embedded in every haibao binary,
// used when no layouts folder is given. The JSON Schema beside them
// describes the format for editors.
package layouts

import "embed"

// FS holds the *.yaml layouts and layout.schema.json at its root.
//
//go:embed *.yaml layout.schema.json
var FS embed.FS
