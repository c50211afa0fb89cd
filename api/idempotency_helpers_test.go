package api_test

import (
	"encoding/json"

	"github.com/ipledge/ipledge/platform/idempotency"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func fingerprintOf(method, path string, body []byte) string {
	return idempotency.Fingerprint(method, path, body)
}
