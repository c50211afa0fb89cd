package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

func post(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func getStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Two processes, one PostgreSQL, one Redis: a token revoked through
// instance 1 is refused by instance 2 within a second, and failed logins
// made through both count against one limit.
func TestTwoInstances(t *testing.T) {
	c := apptest.NewCluster(t, 2)
	one, two := c.Instances[0].URL, c.Instances[1].URL

	t.Run("revocation reaches the other instance", func(t *testing.T) {
		code, pair := post(t, one+"/api/v1/auth/login", "", map[string]string{"username": "bank-a", "password": "demo-pass-2026"})
		if code != 200 {
			t.Fatalf("login: %d %v", code, pair)
		}
		tok := pair["access_token"].(string)
		if s := getStatus(t, two+"/api/v1/me", tok); s != 200 {
			t.Fatalf("instance 2 refused a fresh token: %d", s)
		}
		if code, _ := post(t, one+"/api/v1/auth/logout", tok, map[string]string{"refresh_token": pair["refresh_token"].(string)}); code != 204 {
			t.Fatalf("logout: %d", code)
		}
		deadline := time.Now().Add(time.Second)
		for getStatus(t, two+"/api/v1/me", tok) != http.StatusUnauthorized {
			if time.Now().After(deadline) {
				t.Fatal("instance 2 still accepts the revoked token after 1 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("login limit counts across instances", func(t *testing.T) {
		bad := map[string]string{"username": "bank-b", "password": "wrong-password-123"}
		for i := 0; i < 10; i++ {
			url := one
			if i%2 == 1 {
				url = two
			}
			if code, _ := post(t, url+"/api/v1/auth/login", "", bad); code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, code)
			}
		}
		for _, url := range []string{one, two} {
			code, p := post(t, url+"/api/v1/auth/login", "", map[string]string{"username": "bank-b", "password": "demo-pass-2026"})
			if code != http.StatusTooManyRequests {
				t.Fatalf("11th attempt through %s: %d %v", url, code, p)
			}
		}
	})
}

func getJSON(t *testing.T, url, token string, into any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_ = json.NewDecoder(res.Body).Decode(into)
	return res.StatusCode
}

// A whitelist change made through instance 1 is seen at once through
// instance 2, even though instance 2 had the old status cached.
func TestTwoInstancesWhitelistChangeIsSeenAtOnce(t *testing.T) {
	c := apptest.NewCluster(t, 2)
	one, two := c.Instances[0].URL, c.Instances[1].URL
	login := func(url, user string) string {
		code, p := post(t, url+"/api/v1/auth/login", "", map[string]string{"username": user, "password": "demo-pass-2026"})
		if code != 200 {
			t.Fatalf("login %s: %d", user, code)
		}
		return p["access_token"].(string)
	}
	ipo, bank := login(one, "ipoffice"), login(two, "bank-a")
	const entA = "91140100MA0G3K8T2B" // ent-a, active in the demo data
	var st struct {
		Status string `json:"status"`
	}
	if code := getJSON(t, two+"/api/v1/whitelist/"+entA, bank, &st); code != 200 || st.Status != "active" {
		t.Fatalf("before: %d %s", code, st.Status)
	}
	var entries struct {
		Items []struct {
			ID   int64  `json:"id"`
			USCC string `json:"uscc"`
		} `json:"items"`
	}
	if code := getJSON(t, one+"/api/v1/whitelist/batches/1/entries", ipo, &entries); code != 200 {
		t.Fatalf("entries: %d", code)
	}
	var entryID int64
	for _, e := range entries.Items {
		if e.USCC == entA {
			entryID = e.ID
		}
	}
	if entryID == 0 {
		t.Fatal("ent-a has no entry in the demo's first batch")
	}
	if code, p := post(t, fmt.Sprintf("%s/api/v1/whitelist/entries/%d/suspend", one, entryID), ipo,
		map[string]string{"reason": "测试：暂停"}); code != 200 {
		t.Fatalf("suspend: %d %v", code, p)
	}
	if code := getJSON(t, two+"/api/v1/whitelist/"+entA, bank, &st); code != 200 || st.Status != "suspended" {
		t.Fatalf("instance 2 right after the change: %d %s", code, st.Status)
	}
}
