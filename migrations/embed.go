// Package migrations embeds the SQL schema, one folder per engine. Each
// file is applied once, in version order, by goose at start and by
// `ipledge migrate`.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
