package tabular_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// actorIn creates an organisation with one user and returns that user.
func actorIn(t *testing.T, d *db.DB, name string) audit.Actor {
	t.Helper()
	ctx := dbtest.Deadline(t)
	now := time.Now().UTC()
	var org, user int64
	if err := d.GetContext(ctx, &org, d.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES ('econ_bureau', ?, ?) RETURNING id`), name, now); err != nil {
		t.Fatal(err)
	}
	if err := d.GetContext(ctx, &user, d.Rebind(`INSERT INTO users (org_id, username, display_name, password_hash, active, created_at, password_changed_at)
		VALUES (?, ?, ?, 'x', ?, ?, ?) RETURNING id`), org, name+"-user", name, true, now, now); err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: user, Username: name + "-user", OrgID: org, Role: "econ_bureau", RequestID: "req-1"}
}

func newJobs(d *db.DB, mod ...func(*tabular.JobsConfig)) *tabular.Jobs {
	c := tabular.JobsConfig{DB: d, FlushEvery: 10 * time.Millisecond, HeartbeatEvery: 50 * time.Millisecond}
	for _, m := range mod {
		m(&c)
	}
	return tabular.NewJobs(c)
}

// waitFor polls the job until ok says yes.
func waitFor(t *testing.T, j *tabular.Jobs, id int64, what string, ok func(tabular.Job) bool) tabular.Job {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		job, err := j.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("Get %d: %v", id, err)
		}
		if ok(job) {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never got %s: %+v", id, what, job)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(s tabular.JobStatus) func(tabular.Job) bool {
	return func(j tabular.Job) bool { return j.Status == s }
}

func TestJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := actorIn(t, d, "bureau")

		t.Run("progress is visible mid-run and the report is stored", func(t *testing.T) {
			j := newJobs(d)
			release := make(chan struct{})
			// The request's context ends as soon as Start returns; the job
			// must not.
			reqCtx, cancel := context.WithCancel(context.Background())
			id, err := j.Start(reqCtx, a, "whitelist.nominations", 12_000, func(ctx context.Context, progress func(int)) (tabular.Report, error) {
				for i := 1; i <= 6_000; i++ {
					progress(i)
				}
				<-release
				if err := ctx.Err(); err != nil {
					return tabular.Report{}, err
				}
				progress(3) // progress never goes backwards
				r := tabular.NewReport(tabular.ValidRows, 12_000)
				r.Add(tabular.RowError{Row: 7, Column: "企业名称", Code: "required", Message: "企业名称不能为空"})
				return r, nil
			})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			mid := waitFor(t, j, id, "progress 6000", func(j tabular.Job) bool { return j.Done == 6_000 })
			if mid.Status != tabular.JobRunning || mid.Total != 12_000 || mid.Report != nil || mid.StartedAt == nil || mid.FinishedAt != nil {
				t.Errorf("mid-run job = %+v", mid)
			}
			if mid.Kind != "whitelist.nominations" || mid.OrgID != a.OrgID || mid.UserID == nil || *mid.UserID != a.UserID {
				t.Errorf("owner = kind %q org %d user %v", mid.Kind, mid.OrgID, mid.UserID)
			}
			close(release)
			done := waitFor(t, j, id, "done", status(tabular.JobDone))
			if done.Done != 12_000 || done.FinishedAt == nil || done.Error != "" {
				t.Errorf("done job = %+v", done)
			}
			if done.Report == nil || done.Report.Invalid != 1 || done.Report.Valid != 11_999 || done.Report.Mode != tabular.ValidRows ||
				len(done.Report.Errors) != 1 || done.Report.Errors[0].Column != "企业名称" {
				t.Errorf("report = %+v", done.Report)
			}
			if done.CreatedAt.IsZero() || done.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at = %v", done.CreatedAt)
			}
		})

		t.Run("failures", func(t *testing.T) {
			j := newJobs(d)
			tests := []struct {
				name string
				fn   tabular.JobFunc
				want string
			}{
				{"a problem's detail is shown", func(context.Context, func(int)) (tabular.Report, error) {
					return tabular.Report{}, problem.Conflict("batch_closed", "the batch was published meanwhile")
				}, "the batch was published meanwhile"},
				{"an internal error is not", func(context.Context, func(int)) (tabular.Report, error) {
					return tabular.Report{}, errors.New("pq: connection refused at 10.0.0.3")
				}, "the import failed with an internal error"},
				{"a panic fails the job, not the process", func(context.Context, func(int)) (tabular.Report, error) {
					panic("index out of range")
				}, "the import failed with an internal error"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					id, err := j.Start(context.Background(), a, "test", 10, tc.fn)
					if err != nil {
						t.Fatal(err)
					}
					job := waitFor(t, j, id, "failed", status(tabular.JobFailed))
					if job.Error != tc.want || job.Report != nil || job.FinishedAt == nil {
						t.Errorf("job = %+v, want error %q", job, tc.want)
					}
				})
			}
		})

		t.Run("concurrency is bounded", func(t *testing.T) {
			j := newJobs(d, func(c *tabular.JobsConfig) { c.Concurrency = 1 })
			var running, most atomic.Int32
			release := make(chan struct{})
			fn := func(ctx context.Context, progress func(int)) (tabular.Report, error) {
				n := running.Add(1)
				defer running.Add(-1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				<-release
				return tabular.NewReport(tabular.AllOrNothing, 1), nil
			}
			first, err := j.Start(context.Background(), a, "test", 1, fn)
			if err != nil {
				t.Fatal(err)
			}
			second, err := j.Start(context.Background(), a, "test", 1, fn)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, j, first, "running", status(tabular.JobRunning))
			time.Sleep(50 * time.Millisecond)
			if job, _ := j.Get(context.Background(), second); job.Status != tabular.JobQueued || job.StartedAt != nil {
				t.Errorf("second job = %+v, want queued", job)
			}
			close(release)
			waitFor(t, j, first, "done", status(tabular.JobDone))
			waitFor(t, j, second, "done", status(tabular.JobDone))
			if most.Load() != 1 {
				t.Errorf("%d jobs ran at once", most.Load())
			}
		})

		t.Run("the pending queue is bounded", func(t *testing.T) {
			j := newJobs(d, func(c *tabular.JobsConfig) { c.Concurrency = 1; c.MaxPending = 2 })
			release := make(chan struct{})
			fn := func(context.Context, func(int)) (tabular.Report, error) {
				<-release
				return tabular.NewReport("", 0), nil
			}
			var ids []int64
			for range 2 {
				id, err := j.Start(context.Background(), a, "test", 0, fn)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			_, err := j.Start(context.Background(), a, "test", 0, fn)
			p := wantProblem(t, err, http.StatusServiceUnavailable, "import_queue_full")
			if p.Headers["Retry-After"] == "" {
				t.Error("no Retry-After")
			}
			close(release)
			for _, id := range ids {
				waitFor(t, j, id, "done", status(tabular.JobDone))
			}
		})

		t.Run("a job started in a unit of work runs only once the unit commits", func(t *testing.T) {
			j := newJobs(d)
			var ran atomic.Bool
			fn := func(ctx context.Context, _ func(int)) (tabular.Report, error) {
				ran.Store(true)
				// The job's own writes must not land in the request's
				// (by now committed) transaction.
				return tabular.NewReport("", 1), d.InTx(ctx, func(tx *sqlx.Tx) error {
					_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?)`), "job-wrote", "yes")
					return err
				})
			}

			// Rolled back: the job never existed and never ran.
			ctx, unit := d.WithUnit(context.Background())
			id, err := j.Start(ctx, a, "test", 1, fn)
			if err != nil {
				t.Fatal(err)
			}
			unit.Rollback()
			time.Sleep(50 * time.Millisecond)
			if _, err := j.Get(context.Background(), id); !problem.HasCode(err, "not_found") {
				t.Errorf("rolled-back job: %v", err)
			}
			if ran.Load() {
				t.Error("a rolled-back job ran")
			}

			// Committed: it runs after the commit, in its own transactions.
			ctx, unit = d.WithUnit(context.Background())
			id, err = j.Start(ctx, a, "test", 1, fn)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			if ran.Load() {
				t.Error("the job ran before the unit committed")
			}
			if err := unit.Commit(); err != nil {
				t.Fatal(err)
			}
			job := waitFor(t, j, id, "finished", func(j tabular.Job) bool { return j.FinishedAt != nil })
			if job.Status != tabular.JobDone {
				t.Fatalf("job = %+v", job)
			}
			var v string
			if err := d.GetContext(context.Background(), &v, `SELECT value FROM meta WHERE key = 'job-wrote'`); err != nil || v != "yes" {
				t.Errorf("the job's write: %q, %v", v, err)
			}
		})

		t.Run("Get of an unknown job is 404", func(t *testing.T) {
			_, err := newJobs(d).Get(context.Background(), 999_999)
			wantProblem(t, err, http.StatusNotFound, "not_found")
		})

		t.Run("Start checks its arguments", func(t *testing.T) {
			j := newJobs(d)
			noop := func(context.Context, func(int)) (tabular.Report, error) { return tabular.Report{}, nil }
			for _, bad := range []func() error{
				func() error { _, err := j.Start(context.Background(), a, "", 1, noop); return err },
				func() error { _, err := j.Start(context.Background(), a, "k", -1, noop); return err },
				func() error { _, err := j.Start(context.Background(), a, "k", 1, nil); return err },
				func() error { _, err := j.Start(context.Background(), audit.System("seed"), "k", 1, noop); return err },
			} {
				if err := bad(); err == nil {
					t.Error("no error")
				}
			}
		})

		t.Run("shutdown", func(t *testing.T) {
			j := newJobs(d)
			started := make(chan struct{})
			id, err := j.Start(context.Background(), a, "test", 100, func(ctx context.Context, progress func(int)) (tabular.Report, error) {
				progress(40)
				close(started)
				<-ctx.Done()
				return tabular.Report{}, ctx.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := j.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown = %v, want the deadline", err)
			}
			job, err := j.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if job.Status != tabular.JobFailed || job.Done != 40 || !strings.Contains(job.Error, "server shutdown") {
				t.Errorf("job after shutdown = %+v", job)
			}
			_, err = j.Start(context.Background(), a, "test", 1, func(context.Context, func(int)) (tabular.Report, error) { return tabular.Report{}, nil })
			wantProblem(t, err, http.StatusServiceUnavailable, "shutting_down")
		})
	})
}

func TestJobsRecoverAbandoned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := actorIn(t, d, "bureau")
		ctx := dbtest.Deadline(t)
		now := time.Now().UTC().Truncate(time.Microsecond)
		insert := func(status tabular.JobStatus, heartbeat time.Time) int64 {
			var id int64
			if err := d.GetContext(ctx, &id, d.Rebind(`INSERT INTO import_jobs (kind, org_id, user_id, status, total, done, created_at, heartbeat_at)
				VALUES ('test', ?, ?, ?, 100, 40, ?, ?) RETURNING id`), a.OrgID, a.UserID, status, heartbeat, heartbeat); err != nil {
				t.Fatal(err)
			}
			return id
		}
		crashedRunning := insert(tabular.JobRunning, now.Add(-10*time.Minute))
		crashedQueued := insert(tabular.JobQueued, now.Add(-2*time.Minute))
		otherInstance := insert(tabular.JobRunning, now.Add(-5*time.Second)) // alive elsewhere
		finished := insert(tabular.JobDone, now.Add(-time.Hour))

		j := newJobs(d, func(c *tabular.JobsConfig) { c.StaleAfter = time.Minute })
		n, err := j.RecoverAbandoned(ctx)
		if err != nil || n != 2 {
			t.Fatalf("RecoverAbandoned = %d, %v; want 2", n, err)
		}
		for id, want := range map[int64]tabular.JobStatus{crashedRunning: tabular.JobFailed, crashedQueued: tabular.JobFailed,
			otherInstance: tabular.JobRunning, finished: tabular.JobDone} {
			job, err := j.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if job.Status != want {
				t.Errorf("job %d: %s, want %s", id, job.Status, want)
			}
			if want == tabular.JobFailed && (job.FinishedAt == nil || !strings.Contains(job.Error, "restarted") || job.Done != 40) {
				t.Errorf("recovered job = %+v", job)
			}
		}
		if n, _ := j.RecoverAbandoned(ctx); n != 0 {
			t.Errorf("second run recovered %d", n)
		}

		// A job that dies after start-up is failed by Get once silent.
		later := newJobs(d, func(c *tabular.JobsConfig) {
			c.StaleAfter = time.Minute
			c.Now = func() time.Time { return now.Add(2 * time.Minute) }
		})
		job, err := later.Get(ctx, otherInstance)
		if err != nil || job.Status != tabular.JobFailed {
			t.Errorf("stale job via Get = %+v, %v", job, err)
		}
	})
}
