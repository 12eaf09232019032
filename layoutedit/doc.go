// Package layoutedit changes layout files the way a person would: each
// edit replaces, inserts or removes only the bytes it concerns, found
// through the positions of the yaml.v3 node tree, so comments, key order,
// quoting, flow or block style and every untouched line stay as written.
// Re-encoding the tree with yaml.v3 would not do: its encoder re-indents,
// re-quotes and re-wraps. After every edit the result is parsed again and
// compared with what the edit meant; an edit that would change anything
// else is refused rather than written.
package layoutedit
