package api

import (
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"
)

// sendDocument answers a stored evidence file as a download: its name,
// its SHA-256 for the client to check, and no content sniffing.
func sendDocument(c *gin.Context, filename, sha256, contentType string, content []byte) {
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	c.Header("X-Content-SHA256", sha256)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentType, content)
}
