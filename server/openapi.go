package server

import _ "embed"

// openAPI describes every route; a test keeps it in step with the router.
//
//go:embed openapi.yaml
var openAPI []byte
