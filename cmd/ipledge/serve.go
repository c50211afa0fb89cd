package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/db"
)

func parseConfig(name string, args []string, stderr io.Writer, getenv func(string) string, extra func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("ipledge "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	build := config.Register(fs, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	return build()
}

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if strings.EqualFold(c.LogFormat, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseConfig("serve", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	if !app.FTS5 {
		return errors.New(app.BuildTagMessage)
	}
	log := newLogger(cfg, stderr)
	a, err := app.Build(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		log.Warn("DEMO MODE: demo accounts with a published password exist; never use --demo with real data")
		seeded, err := a.SeedDemo(ctx)
		if err != nil {
			return err
		}
		printDemoAccounts(stdout, seeded)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.Run(runCtx)

	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           a.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second, // uploads up to the upload limit
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Requests must not see the shutdown signal: in-flight ones finish.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.Info("ipledge serving", "addr", ln.Addr().String(), "database", db.Redact(cfg.DatabaseURL),
		"redis", cfg.RedisURL != "", "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let in-flight requests and
	// imports finish, then close the database cleanly (deferred above).
	log.Info("shutting down")
	shutCtx, done := context.WithTimeout(context.Background(), 25*time.Second)
	defer done()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Error("shutdown", "err", err)
	}
	// Background imports finish (or, past the deadline, are cancelled and
	// recorded failed) before the database closes.
	if err := a.Shutdown(shutCtx); err != nil {
		log.Error("shutdown import jobs", "err", err)
	}
	cancel()
	log.Info("stopped")
	return nil
}

func printDemoAccounts(w io.Writer, seeded bool) {
	if seeded {
		fmt.Fprintln(w, "Demo data seeded.")
	}
	fmt.Fprintf(w, "Demo accounts (password %s):\n", app.DemoPassword)
	for _, d := range app.DemoAccounts {
		fmt.Fprintf(w, "  %-11s %s, %s\n", d.Username, d.DisplayName, d.Org)
	}
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseConfig("migrate", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{SQLiteSynchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	cur, _, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database at schema version %d\n", cur)
	return nil
}
