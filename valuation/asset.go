package valuation

import "github.com/ipledge/ipledge/patent"

// Asset types beyond patents. They share patent.Type so that one pledge
// portfolio and one rate table cover every kind of pledged IP.
const (
	Trademark patent.Type = "trademark"
	Copyright patent.Type = "copyright"
)

// StatusValid is the only legal status under which an asset counts towards
// a loan. It equals registry.StatusValid; the registry package is not
// imported so that valuation stays free of database code.
const StatusValid = "valid"

// baseType folds a PCT national-phase type into the type whose term and
// pledge rules it follows.
func baseType(t patent.Type) patent.Type {
	switch t {
	case patent.PCTInvention:
		return patent.Invention
	case patent.PCTUtilityModel:
		return patent.UtilityModel
	}
	return t
}

// knownType reports whether t is a patent type or one of the types above.
func knownType(t patent.Type) bool {
	switch baseType(t) {
	case patent.Invention, patent.UtilityModel, patent.Design, Trademark, Copyright:
		return true
	}
	return false
}

func isPatent(t patent.Type) bool {
	switch baseType(t) {
	case patent.Invention, patent.UtilityModel, patent.Design:
		return true
	}
	return false
}
