// Package app is the composition root: it turns a configuration into an
// open database, caches, services and the HTTP handler. cmd/ipledge and
// the tests that need a whole server both build through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/cache"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/idempotency"
	"github.com/ipledge/ipledge/platform/metrics"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/subsidy"
	"github.com/ipledge/ipledge/valuation"
	"github.com/ipledge/ipledge/web"
	"github.com/ipledge/ipledge/whitelist"
)

// BuildTagMessage explains how to build a binary with FTS5.
const BuildTagMessage = "this ipledge binary was built without SQLite FTS5, which Chinese search needs: build it with `go build -tags sqlite_fts5 ./cmd/ipledge` (or run `go run -tags sqlite_fts5 ./cmd/ipledge serve`)"

// App is a built instance.
type App struct {
	Config      config.Config
	Log         *slog.Logger
	DB          *db.DB
	Redis       *redis.Client
	Cache       cache.Cache
	Audit       *audit.Log
	Revocations *auth.Revocations
	Accounts    *account.Service
	Idempotency *idempotency.Store
	Settings    *settings.Service
	Calendar    *calendar.Service
	Notify      *notify.Service
	Whitelist   *whitelist.Service
	Registry    *registry.Service
	Pledges     *pledge.Service
	Licensing   *licensing.Service
	Search      *licensing.Search
	Loans       *loan.Service
	Valuations  *valuation.Service
	Subsidies   *subsidy.Service
	Dashboard   *dashboard.Service
	Jobs        *tabular.Jobs
	API         *api.Server
	Web         http.Handler
	Metrics     *metrics.Metrics
	Handler     http.Handler
	Now         func() time.Time
}

// Options are test seams.
type Options struct {
	Now func() time.Time
}

// Build opens everything and migrates the database.
func Build(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if !FTS5 {
		return nil, errors.New(BuildTagMessage)
	}
	jwtKeys, auditKeys, err := cfg.Keys()
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &App{Config: cfg, Log: log, Now: now}
	a.DB, err = db.Open(ctx, cfg.DatabaseURL, db.Options{SQLiteSynchronous: cfg.SQLiteSynchronous, MaxOpenConns: cfg.DBMaxConns})
	if err != nil {
		return nil, err
	}
	if err := a.DB.Migrate(ctx); err != nil {
		a.Close()
		return nil, err
	}
	var window auth.Window
	if cfg.RedisURL != "" {
		a.Redis, err = cache.OpenRedis(cfg.RedisURL)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("IPLEDGE_REDIS_URL: %w", err)
		}
		if err := a.Redis.Ping(ctx).Err(); err != nil {
			// Redis is a cache and a broadcast channel, not a source of
			// truth: start anyway and use it when it comes back.
			log.Warn("Redis is not reachable at start; continuing without it until it is", "err", err)
		}
		a.Cache = cache.NewRedis(a.Redis, log, cfg.RedisNamespace)
		window = auth.NewRedisWindow(a.Redis, log, now, cfg.RedisNamespace)
	} else {
		a.Cache = cache.NewMemory(100_000, now)
		window = auth.NewMemoryWindow(now)
	}
	a.Audit, err = audit.New(a.DB, audit.Keys{CurrentID: auditKeys.CurrentID, ByID: auditKeys.ByID}, now)
	if err != nil {
		a.Close()
		return nil, err
	}
	tokens, err := auth.NewTokens(auth.TokenConfig{
		Keys:   auth.SigningKeys{CurrentID: jwtKeys.CurrentID, ByID: jwtKeys.ByID},
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, TTL: cfg.AccessTokenTTL, Now: now,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Revocations = auth.NewRevocations(a.Redis, log, now, cfg.RedisNamespace)
	a.Accounts = account.NewService(account.Config{
		DB: a.DB, Audit: a.Audit, Tokens: tokens, Revocations: a.Revocations,
		Limiter:    auth.NewLoginLimiter(window, auth.LoginLimits{PerUsername: cfg.LoginLimitUsername, PerAddress: cfg.LoginLimitAddress}),
		RefreshTTL: cfg.RefreshTokenTTL, Now: now,
	})
	evs, err := a.Accounts.LoadRevocations(ctx)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Revocations.Apply(evs...)
	a.Idempotency = idempotency.NewStore(a.DB, now)
	// Every domain's settings are registered here, once.
	a.Settings, err = settings.NewService(a.DB, a.Audit, now,
		slices.Concat(settings.SettingDefs(), whitelist.SettingDefs(), pledge.SettingDefs(), loan.SettingDefs(), valuation.SettingDefs(), licensing.SettingDefs(), licensing.SearchSettingDefs())...)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Calendar = calendar.NewService(a.DB, a.Audit, now)
	a.Notify = notify.NewService(a.DB, a.Audit, now)
	a.Whitelist = whitelist.NewService(whitelist.Config{DB: a.DB, Audit: a.Audit, Settings: a.Settings, Calendar: a.Calendar,
		Notify: a.Notify, Cache: a.Cache, Now: now})
	a.Registry = registry.NewService(registry.Config{DB: a.DB, Audit: a.Audit, Now: now})
	// Search indexes every registered, updated or imported patent in the
	// registry's transaction; an empty index (a database from before
	// search) is built now.
	a.Search = licensing.NewSearch(licensing.SearchConfig{DB: a.DB, Audit: a.Audit, Settings: a.Settings, Whitelist: a.Whitelist, Log: log, Now: now})
	a.Registry.SetIndexer(a.Search.Index)
	if err := a.Search.EnsureIndexed(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("search index: %w", err)
	}
	a.Valuations = valuation.NewService(valuation.Config{DB: a.DB, Audit: a.Audit, Registry: a.Registry, Settings: a.Settings, Accounts: a.Accounts, Now: now})
	a.Pledges = pledge.NewService(pledge.Config{DB: a.DB, Audit: a.Audit, Accounts: a.Accounts, Registry: a.Registry, Valuations: a.Valuations,
		Whitelist: a.Whitelist, Settings: a.Settings, Calendar: a.Calendar, Notify: a.Notify, Now: now})
	a.Loans = loan.NewService(loan.Config{DB: a.DB, Audit: a.Audit, Accounts: a.Accounts, Pledges: a.Pledges,
		Whitelist: a.Whitelist, Settings: a.Settings, Now: now})
	a.Subsidies = subsidy.NewService(subsidy.Config{DB: a.DB, Audit: a.Audit, Accounts: a.Accounts, Loans: a.Loans,
		Pledges: a.Pledges, Whitelist: a.Whitelist, Calendar: a.Calendar, Notify: a.Notify, Now: now})
	a.Dashboard = dashboard.NewService(a.DB, a.Audit, now)
	a.Licensing = licensing.NewService(licensing.Config{DB: a.DB, Audit: a.Audit, Accounts: a.Accounts, Registry: a.Registry,
		Pledges: a.Pledges, Settings: a.Settings, Notify: a.Notify, Now: now})
	a.Jobs = tabular.NewJobs(tabular.JobsConfig{DB: a.DB, Logger: log, Now: now})
	a.Metrics = metrics.New()
	a.API, err = api.New(api.Deps{Log: log, Accounts: a.Accounts, Audit: a.Audit, DB: a.DB, Idempotency: a.Idempotency,
		TrustedProxies: splitList(cfg.TrustedProxies), MaxUploadBytes: cfg.MaxUploadBytes, Metrics: a.Metrics,
		Settings: a.Settings, Calendar: a.Calendar, Notify: a.Notify, Whitelist: a.Whitelist, Registry: a.Registry, Pledges: a.Pledges, Licensing: a.Licensing, Search: a.Search, Loans: a.Loans, Valuations: a.Valuations, Subsidies: a.Subsidies, Dashboard: a.Dashboard, Jobs: a.Jobs})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Web, err = web.New(web.Deps{Log: log, Accounts: a.Accounts, Notify: a.Notify, Audit: a.Audit, Whitelist: a.Whitelist,
		Pledges: a.Pledges, Registry: a.Registry, Valuations: a.Valuations, Dashboard: a.Dashboard, Licensing: a.Licensing, Search: a.Search, Loans: a.Loans, Subsidies: a.Subsidies, TrustedProxies: splitList(cfg.TrustedProxies)})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Handler = a.routes()
	return a, nil
}

// Run starts the background work (revocation broadcasts) until ctx ends.
func (a *App) Run(ctx context.Context) {
	// Imports a dead process left queued or running are failed, so that
	// their users see why they never finished.
	if n, err := a.Jobs.RecoverAbandoned(ctx); err != nil {
		a.Log.Warn("recover abandoned import jobs", "err", err)
	} else if n > 0 {
		a.Log.Warn("failed import jobs abandoned by a stopped process", "jobs", n)
	}
	go a.Revocations.Listen(ctx, a.Accounts.LoadRevocations)
	go a.every(ctx, time.Hour, "annual fee alerts on pledged patents", func(ctx context.Context) error {
		_, err := a.Pledges.ScanFeeDue(ctx)
		return err
	})
	go a.every(ctx, time.Hour, "loan overdue scan", func(ctx context.Context) error {
		_, err := a.Loans.ScanOverdue(ctx)
		return err
	})
	go a.every(ctx, 24*time.Hour, "licensing dormancy refresh", func(ctx context.Context) error {
		_, err := a.Licensing.RefreshAll(ctx)
		return err
	})
	go a.every(ctx, 10*time.Minute, "purge idempotency keys", func(ctx context.Context) error {
		_, err := a.Idempotency.Purge(ctx)
		return err
	})
}

// every runs job at each tick until ctx ends, logging failures.
func (a *App) every(ctx context.Context, d time.Duration, what string, job func(context.Context) error) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := job(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn(what+" failed", "err", err)
			}
		}
	}
}

// Shutdown stops the background imports: it waits for the running ones
// until ctx ends, then cancels them (each records itself failed). Call it
// before Close; Close calls it too, without waiting.
func (a *App) Shutdown(ctx context.Context) error {
	if a.Jobs == nil {
		return nil
	}
	return a.Jobs.Shutdown(ctx)
}

// Close stops the background imports and releases the database and Redis.
func (a *App) Close() {
	if a.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.Jobs.Shutdown(ctx)
		cancel()
	}
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.DB != nil {
		_ = a.DB.Close()
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
