// Command ipledge runs the ipledge patent pledge financing platform.
//
//	ipledge [serve] [--demo] [flags]   run the service (default)
//	ipledge migrate [flags]            apply database migrations and exit
//	ipledge user add [flags]           create a user; the password is read from stdin
//	ipledge version                    print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "ipledge:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "migrate":
		return migrate(ctx, args, stdout, stderr, getenv)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return fmt.Errorf("usage: ipledge user add --org NAME --username NAME [--display-name NAME] < password")
		}
		return userAdd(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "ipledge", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: ipledge [serve|migrate|user add|version] [flags]; ipledge serve -h lists the flags")
		return nil
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, user add, version)", cmd)
	}
}
