// Package settings keeps the platform's business settings — deadlines,
// rates, thresholds, the province the deployment serves — as database
// rows with a history, not as environment variables.
//
// The domains declare their settings in code as Defs (key, kind, default,
// scope, bounds); the Service is built at start with every Def and
// refuses unknown keys. A change is a new row with the date it takes
// effect from, so the value in force on any past day can be answered, and
// every change is audited.
package settings

import (
	"time"

	"github.com/ipledge/ipledge/platform/date"
)

// Kind is the type of a setting's value. Values are stored as text and
// parsed exactly: a decimal is never a float.
type Kind string

// Kinds.
const (
	KindInt     Kind = "int"     // a whole number, "-12"
	KindDecimal Kind = "decimal" // an exact decimal, "3.45"
	KindPercent Kind = "percent" // a decimal in percent, "3.45" is 3.45 %
	KindBool    Kind = "bool"    // "true" or "false"
	KindString  Kind = "string"  // free text
	KindDate    Kind = "date"    // "YYYY-MM-DD"
)

func (k Kind) valid() bool {
	switch k {
	case KindInt, KindDecimal, KindPercent, KindBool, KindString, KindDate:
		return true
	}
	return false
}

// Scope says who holds values of a setting.
type Scope string

const (
	// ScopePlatform settings have one value for the whole platform, set
	// by the IP office.
	ScopePlatform Scope = "platform"
	// ScopeBank settings have a platform-wide value (the Def default or
	// one set by the IP office) that each bank may override for itself.
	ScopeBank Scope = "bank"
)

// Def declares a setting. Domain packages expose theirs through a
// SettingDefs() []Def function; app passes them all to NewService.
type Def struct {
	Key         string // dotted, lower case: "pledge.default_rate"
	Kind        Kind
	Default     string // in the kind's text form
	Scope       Scope
	Description string // Chinese, shown to users
	// Min and Max optionally bound int, decimal, percent and date values
	// (inclusive, in the kind's text form).
	Min, Max string
	// Pattern optionally constrains a string value (a Go regexp that must
	// match the whole value).
	Pattern string
}

// Row is one stored value: a change of a setting for one organisation
// (OrgID 0: platform-wide) from a date on.
type Row struct {
	ID          int64     `db:"id" json:"id"`
	Key         string    `db:"key" json:"key"`
	OrgID       int64     `db:"org_id" json:"org_id"`
	Value       string    `db:"value" json:"value"`
	EffectiveOn date.Date `db:"effective_on" json:"effective_on"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	CreatedBy   *int64    `db:"created_by" json:"created_by"`
}

// Sources of a value in force.
const (
	SourceDefault  = "default"  // the Def's default: no row in force
	SourcePlatform = "platform" // a platform-wide row (org 0)
	SourceBank     = "bank"     // the bank's own row
)

// View is a setting as a caller sees it today.
type View struct {
	Key         string `json:"key"`
	Kind        Kind   `json:"kind"`
	Scope       Scope  `json:"scope"`
	Description string `json:"description"`
	Value       string `json:"value"`
	Default     string `json:"default"`
	// EffectiveOn is the date the value in force took effect; null for
	// the default.
	EffectiveOn date.Date `json:"effective_on"`
	Source      string    `json:"source"`
	// OrgID is whose value is in force: 0 for the platform.
	OrgID int64  `json:"org_id"`
	Min   string `json:"min,omitempty"`
	Max   string `json:"max,omitempty"`
	// Scheduled are the changes that take effect after today.
	Scheduled []Scheduled `json:"scheduled"`
}

// Scheduled is a change that takes effect in the future.
type Scheduled struct {
	Value       string    `json:"value"`
	EffectiveOn date.Date `json:"effective_on"`
	OrgID       int64     `json:"org_id"`
}

// Platform setting keys.
const (
	KeyProvinceName = "platform.province_name"
	KeyProvinceCode = "platform.province_code"
)

// SettingDefs are the platform's own settings.
func SettingDefs() []Def {
	return []Def{
		{Key: KeyProvinceName, Kind: KindString, Default: "山西省", Scope: ScopePlatform,
			Description: "平台服务的省份名称", Pattern: `\p{Han}{2,10}`},
		{Key: KeyProvinceCode, Kind: KindString, Default: "140000", Scope: ScopePlatform,
			Description: "省级行政区划代码（6 位，GB/T 2260）", Pattern: `[1-8][0-9]0000`},
	}
}
