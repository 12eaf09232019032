package wxa

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownApp: a layout or a request named a mini program that is not
// configured. Errors of this class are *UnknownAppError.
var ErrUnknownApp = errors.New("wxa: unknown app")

// UnknownAppError names the app nobody configured and the ones that are.
type UnknownAppError struct {
	Name  string
	Known []string
}

func (e *UnknownAppError) Error() string {
	return fmt.Sprintf("no mini program named %q is configured (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

func (e *UnknownAppError) Is(target error) bool { return target == ErrUnknownApp }

// MaxAppName bounds an app's name; names travel in layouts, requests and
// logs, so they stay short.
const MaxAppName = 32

// ValidAppName reports whether name can name an app: 1 to 32 lowercase
// letters, digits, _ and -, starting with a letter. The rule is strict so a
// name is safe in a log line, a flag and a YAML file alike.
func ValidAppName(name string) bool {
	if name == "" || len(name) > MaxAppName || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Apps holds one Client per configured mini program, each with its own
// token, limiter, cache keys and quota, and routes a request to the client
// its app name picks. The empty name is the default app.
type Apps struct {
	byName map[string]*Client
	names  []string // sorted, for messages
	def    string
	// lenient routes unknown names to the default app: the development
	// mode, where every code comes from a fake anyway.
	lenient bool
}

// NewApps routes to clients by name; def names the default app and must
// be one of them.
func NewApps(def string, clients map[string]*Client) (*Apps, error) {
	a := &Apps{byName: make(map[string]*Client, len(clients)), def: def}
	for name, c := range clients {
		if !ValidAppName(name) {
			return nil, fmt.Errorf("wxa: app name %q must be 1 to %d lowercase letters, digits, _ or -, starting with a letter", name, MaxAppName)
		}
		if c == nil {
			return nil, fmt.Errorf("wxa: app %q has no client", name)
		}
		a.byName[name] = c
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	if a.byName[def] == nil {
		return nil, fmt.Errorf("wxa: the default app %q is not among the apps", def)
	}
	return a, nil
}

// SingleApp wraps one client as the only, default app.
func SingleApp(name string, c *Client) *Apps {
	return &Apps{byName: map[string]*Client{name: c}, names: []string{name}, def: name}
}

// Lenient returns a copy of a that serves any unknown name from the
// default app, for development without credentials.
func (a *Apps) Lenient() *Apps {
	b := *a
	b.lenient = true
	return &b
}

// Default is the name of the default app.
func (a *Apps) Default() string { return a.def }

// Names lists the configured apps, sorted.
func (a *Apps) Names() []string { return slices.Clone(a.names) }

// Has reports whether name picks a client: "" (the default), a configured
// name, or any name when a is lenient.
func (a *Apps) Has(name string) bool {
	_, err := a.Client(name)
	return err == nil
}

// Client returns the client for name; "" is the default app. An unknown
// name is an *UnknownAppError.
func (a *Apps) Client(name string) (*Client, error) {
	if name == "" {
		name = a.def
	}
	if c := a.byName[name]; c != nil {
		return c, nil
	}
	if a.lenient {
		return a.byName[a.def], nil
	}
	return nil, &UnknownAppError{Name: name, Known: a.Names()}
}

// Code is Client(app).Code.
func (a *Apps) Code(ctx context.Context, app string, req CodeRequest) (*Code, error) {
	c, err := a.Client(app)
	if err != nil {
		return nil, err
	}
	return c.Code(ctx, req)
}

// Ready checks every app's token; the first failure is returned, naming
// the app (never its secret).
func (a *Apps) Ready(ctx context.Context) error {
	for _, name := range a.names {
		if err := a.byName[name].Ready(ctx); err != nil {
			if len(a.names) == 1 {
				return err
			}
			return fmt.Errorf("app %s: %w", name, err)
		}
	}
	return nil
}
