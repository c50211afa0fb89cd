//go:build sqlite_fts5

package app

// FTS5 reports whether this binary was built with SQLite's FTS5 module.
const FTS5 = true
