package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/problem"
)

// userAdd creates a user in an organisation (created first when --org-kind
// is given and no organisation has that name). The password is the first
// line of stdin, so it never appears in a process list or shell history.
func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var orgRef, orgKind, orgUSCC, username, displayName string
	cfg, err := parseConfig("user add", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&orgRef, "org", "", "organisation name or id (required)")
		fs.StringVar(&orgKind, "org-kind", "", "create the organisation with this kind if it does not exist")
		fs.StringVar(&orgUSCC, "org-uscc", "", "the new enterprise organisation's unified social credit code")
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.StringVar(&displayName, "display-name", "", "display name (default: the username)")
	})
	if err != nil {
		return err
	}
	if orgRef == "" || username == "" {
		return errors.New("--org and --username are required")
	}
	if displayName == "" {
		displayName = username
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	a, err := app.Build(ctx, cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	sys := audit.System("cli")
	var org account.Organisation
	if id, perr := strconv.ParseInt(orgRef, 10, 64); perr == nil {
		org, err = a.Accounts.Organisation(ctx, id)
	} else {
		org, err = a.Accounts.OrganisationByName(ctx, orgRef)
		if problem.HasCode(err, "not_found") && orgKind != "" {
			org, err = a.Accounts.CreateOrganisation(ctx, sys, account.NewOrganisation{Kind: account.OrgKind(orgKind), Name: orgRef, USCC: orgUSCC})
		}
	}
	if err != nil {
		return describe(err)
	}
	u, err := a.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: org.ID, Username: username, DisplayName: displayName, Password: password})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created user %s (id %d, role %s) in %s\n", u.Username, u.ID, u.Role, org.Name)
	return nil
}

// describe spells out a problem's field errors for a terminal.
func describe(err error) error {
	p, ok := problem.As(err)
	if !ok || len(p.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(p.Detail)
	for _, f := range p.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}
