package tabular

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// JobStatus is the state of an import job.
type JobStatus string

// Job states: queued → running → done | failed.
const (
	JobQueued  JobStatus = "queued"
	JobRunning JobStatus = "running"
	JobDone    JobStatus = "done"
	JobFailed  JobStatus = "failed"
)

// Job is a background import.
type Job struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// OrgID owns the job: only this organisation may see it (the API
	// checks, answering 404 to anyone else).
	OrgID  int64     `json:"org_id"`
	UserID *int64    `json:"user_id"`
	Status JobStatus `json:"status"`
	Total  int       `json:"total"`
	Done   int       `json:"done"`
	// Report is the outcome of a done job (which may be a rejected
	// all-or-nothing import); nil until then and for a failed job.
	Report *Report `json:"report"`
	// Error says why a failed job failed, in words fit for its user.
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// JobFunc does a job's work. It calls progress with the number of rows
// done so far as often as it likes (the call is cheap); the Jobs service
// writes it to the table at most every FlushEvery. Its ctx is cancelled
// only when the service shuts down.
//
// On SQLite a transaction holds the database's only write lock: a JobFunc
// should commit in batches (say 1,000 rows), or neither its progress nor
// anyone else's writes get through until it finishes.
type JobFunc func(ctx context.Context, progress func(done int)) (Report, error)

// JobsConfig wires a Jobs service. Zero values take the defaults.
type JobsConfig struct {
	DB     *db.DB
	Logger *slog.Logger
	// Concurrency bounds the jobs running at once in this process
	// (default 2); more wait, queued.
	Concurrency int
	// MaxPending bounds queued plus running jobs in this process (default
	// 16); Start refuses more with 503 import_queue_full, because every
	// waiting job holds its parsed file in memory.
	MaxPending int
	// FlushEvery is the most often a job's progress is written (default
	// 200 ms).
	FlushEvery time.Duration
	// HeartbeatEvery is how often a live job proves it lives (default 10 s).
	HeartbeatEvery time.Duration
	// StaleAfter is the silence after which a queued or running job is
	// taken for abandoned by a dead process (default 1 min).
	StaleAfter time.Duration
	Now        func() time.Time
}

// Jobs runs imports in the background and keeps their state in the
// import_jobs table, where every instance can read it.
type Jobs struct {
	db    *db.DB
	log   *slog.Logger
	cfg   JobsConfig
	sem   chan struct{}
	now   func() time.Time
	base  context.Context // cancelled by Shutdown
	stop  context.CancelFunc
	wg    sync.WaitGroup
	mu    sync.Mutex
	count int // pending jobs in this process
	shut  bool
}

// NewJobs returns the jobs service.
func NewJobs(c JobsConfig) *Jobs {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 16
	}
	if c.FlushEvery <= 0 {
		c.FlushEvery = 200 * time.Millisecond
	}
	if c.HeartbeatEvery <= 0 {
		c.HeartbeatEvery = 10 * time.Second
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	base, stop := context.WithCancel(context.Background())
	return &Jobs{db: c.DB, log: c.Logger, cfg: c, sem: make(chan struct{}, c.Concurrency), now: c.Now, base: base, stop: stop}
}

func (j *Jobs) nowUTC() time.Time { return j.now().UTC().Truncate(time.Microsecond) }

func (j *Jobs) q(query string) string { return j.db.Rebind(query) }

// Start records a queued job of kind for the actor's organisation and runs
// fn in the background. It returns at once with the job's id.
//
// The job outlives the request: fn gets the request's values but not its
// cancellation, nor its unit of work. When ctx carries a unit (an
// idempotent request), the job row is written in that unit and fn starts
// only once the unit commits; if it rolls back, the job never existed.
func (j *Jobs) Start(ctx context.Context, a audit.Actor, kind string, total int, fn JobFunc) (int64, error) {
	if fn == nil || kind == "" || total < 0 || a.OrgID <= 0 {
		return 0, fmt.Errorf("tabular: Start needs a kind, a non-negative total, a function and an actor with an organisation")
	}
	j.mu.Lock()
	shut, busy := j.shut, j.count >= j.cfg.MaxPending
	j.mu.Unlock()
	if shut {
		return 0, problem.Unavailable("shutting_down", "the server is shutting down; try the import again shortly")
	}
	if busy {
		p := problem.Unavailable("import_queue_full", "too many imports are running; try again in a minute")
		p.Headers = map[string]string{"Retry-After": "60"}
		return 0, p
	}
	now := j.nowUTC()
	var userID *int64
	if a.UserID != 0 {
		userID = &a.UserID
	}
	var id int64
	err := j.db.InTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &id, j.q(`INSERT INTO import_jobs (kind, org_id, user_id, status, total, done, created_at, heartbeat_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`), kind, a.OrgID, userID, JobQueued, total, now, now)
	})
	if err != nil {
		return 0, fmt.Errorf("create import job: %w", err)
	}
	jobCtx := db.WithoutUnit(context.WithoutCancel(ctx))
	j.db.OnCommit(ctx, func() { j.launch(jobCtx, a, id, kind, total, fn) })
	return id, nil
}

// launch starts the job's goroutine.
func (j *Jobs) launch(ctx context.Context, a audit.Actor, id int64, kind string, total int, fn JobFunc) {
	j.mu.Lock()
	if j.shut {
		j.mu.Unlock()
		j.finish(id, 0, nil, JobFailed, msgNotStarted)
		return
	}
	j.count++
	j.wg.Add(1)
	j.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	stopAfter := context.AfterFunc(j.base, cancel)
	go func() {
		defer func() {
			stopAfter()
			cancel()
			j.mu.Lock()
			j.count--
			j.mu.Unlock()
			j.wg.Done()
		}()
		j.run(ctx, a, id, kind, total, fn)
	}()
}

// run waits for a slot, runs fn, and records the outcome.
func (j *Jobs) run(ctx context.Context, a audit.Actor, id int64, kind string, total int, fn JobFunc) {
	log := j.log.With("job_id", id, "kind", kind, "org_id", a.OrgID, "user_id", a.UserID, "request_id", a.RequestID)
	var done atomic.Int64
	var running atomic.Bool
	stop, flusherDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flusherDone)
		j.flush(id, &done, &running, stop, log)
	}()
	// stopFlusher is called before the final write, so that no progress
	// write lands after it.
	stopFlusher := sync.OnceFunc(func() {
		close(stop)
		<-flusherDone
	})
	defer stopFlusher()

	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		stopFlusher()
		j.finish(id, 0, nil, JobFailed, msgNotStarted)
		return
	}
	defer func() { <-j.sem }()

	if err := j.markRunning(ctx, id); err != nil {
		log.Error("import job: mark running", "err", err)
	}
	running.Store(true)
	progress := func(n int) {
		for {
			cur := done.Load()
			if int64(n) <= cur || done.CompareAndSwap(cur, int64(n)) {
				return
			}
		}
	}

	report, err := j.call(ctx, fn, progress, log)
	status, msg := JobDone, ""
	var rep *Report
	switch {
	case err == nil:
		rep = &report
		done.Store(max(int64(total), done.Load()))
	case ctx.Err() != nil:
		status, msg = JobFailed, msgInterrupted
	default:
		status = JobFailed
		if p, ok := problem.As(err); ok {
			msg = p.Detail
			if msg == "" {
				msg = p.Code
			}
		} else {
			msg = "the import failed with an internal error"
			log.Error("import job failed", "err", err)
		}
	}
	stopFlusher()
	j.finish(id, int(done.Load()), rep, status, msg)
}

// call runs fn, turning a panic into an error.
func (j *Jobs) call(ctx context.Context, fn JobFunc, progress func(int), log *slog.Logger) (r Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("import job panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(ctx, progress)
}

// flush writes the job's progress when it changed, at most every
// FlushEvery, and a heartbeat every HeartbeatEvery, until stop closes.
// It never blocks the job: on SQLite the job's own transaction may hold
// the write lock, and the write simply waits for the next tick.
func (j *Jobs) flush(id int64, done *atomic.Int64, running *atomic.Bool, stop <-chan struct{}, log *slog.Logger) {
	t := time.NewTicker(j.cfg.FlushEvery)
	defer t.Stop()
	written := int64(0)
	lastBeat := j.now()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		cur := done.Load()
		if cur == written && j.now().Sub(lastBeat) < j.cfg.HeartbeatEvery {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		now := j.nowUTC()
		var err error
		if running.Load() {
			_, err = j.db.ExecContext(ctx, j.q(`UPDATE import_jobs SET done = ?, heartbeat_at = ? WHERE id = ? AND status = ?`),
				cur, now, id, JobRunning)
		} else {
			_, err = j.db.ExecContext(ctx, j.q(`UPDATE import_jobs SET heartbeat_at = ? WHERE id = ? AND status = ?`),
				now, id, JobQueued)
		}
		cancel()
		if err != nil {
			log.Warn("import job: progress write failed; retrying", "err", err)
			continue
		}
		written, lastBeat = cur, j.now()
	}
}

func (j *Jobs) markRunning(ctx context.Context, id int64) error {
	now := j.nowUTC()
	_, err := j.db.ExecContext(context.WithoutCancel(ctx), j.q(`UPDATE import_jobs SET status = ?, started_at = ?, heartbeat_at = ?
		WHERE id = ? AND status = ?`), JobRunning, now, now, id, JobQueued)
	return err
}

// finish records a job's outcome. It retries, because losing it would
// leave the job running until it is taken for abandoned. It overwrites
// even a failed status: a job taken for abandoned while its process was
// only slow (a long SQLite transaction starved its heartbeat) still
// reports what really happened.
func (j *Jobs) finish(id int64, done int, rep *Report, status JobStatus, msg string) {
	var report *string
	if rep != nil {
		if rep.Errors == nil {
			rep.Errors = []RowError{}
		}
		b, err := json.Marshal(rep)
		if err != nil {
			j.log.Error("import job: encode report", "job_id", id, "err", err)
			status, msg = JobFailed, "the import's report could not be stored"
		} else {
			s := string(b)
			report = &s
		}
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		now := j.nowUTC()
		_, err = j.db.ExecContext(ctx, j.q(`UPDATE import_jobs SET status = ?, done = ?, report = ?, error_message = ?,
			finished_at = ?, heartbeat_at = ? WHERE id = ?`),
			status, done, report, msg, now, now, id)
		cancel()
		if err == nil {
			return
		}
	}
	j.log.Error("import job: the outcome could not be stored", "job_id", id, "status", status, "err", err)
}

// jobRow is an import_jobs row.
type jobRow struct {
	ID          int64      `db:"id"`
	Kind        string     `db:"kind"`
	OrgID       int64      `db:"org_id"`
	UserID      *int64     `db:"user_id"`
	Status      JobStatus  `db:"status"`
	Total       int        `db:"total"`
	Done        int        `db:"done"`
	Report      *string    `db:"report"`
	Error       string     `db:"error_message"`
	CreatedAt   time.Time  `db:"created_at"`
	StartedAt   *time.Time `db:"started_at"`
	HeartbeatAt time.Time  `db:"heartbeat_at"`
	FinishedAt  *time.Time `db:"finished_at"`
}

const jobCols = `id, kind, org_id, user_id, status, total, done, report, error_message, created_at, started_at, heartbeat_at, finished_at`

// Errors of jobs that the server, not their data, stopped.
const (
	msgNotStarted  = "the server shut down before the import started; upload the file again"
	msgInterrupted = "the import was interrupted by a server shutdown; check what was imported before uploading the file again"
	msgAbandoned   = "the import stopped when the server restarted; check what was imported before uploading the file again"
)

// Get returns a job. An unknown id is a 404 not_found. A queued or
// running job that has been silent for StaleAfter is failed on the spot:
// the process that ran it is gone.
func (j *Jobs) Get(ctx context.Context, id int64) (Job, error) {
	r, err := j.get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if (r.Status == JobQueued || r.Status == JobRunning) && r.HeartbeatAt.Before(j.now().Add(-j.cfg.StaleAfter)) {
		// Best effort: on SQLite a long import transaction may hold the
		// write lock; then the job is shown as it is and failed later.
		if _, err := j.failStale(ctx, &id); err != nil {
			j.log.Warn("import job: fail stale job", "job_id", id, "err", err)
		} else if r, err = j.get(ctx, id); err != nil {
			return Job{}, err
		}
	}
	return r.job()
}

func (j *Jobs) get(ctx context.Context, id int64) (jobRow, error) {
	var r jobRow
	err := j.db.GetContext(ctx, &r, j.q(`SELECT `+jobCols+` FROM import_jobs WHERE id = ?`), id)
	if db.IsNoRows(err) {
		return r, problem.NotFound("import job")
	}
	if err != nil {
		return r, fmt.Errorf("get import job %d: %w", id, err)
	}
	return r, nil
}

func (r jobRow) job() (Job, error) {
	jb := Job{ID: r.ID, Kind: r.Kind, OrgID: r.OrgID, UserID: r.UserID, Status: r.Status, Total: r.Total, Done: r.Done,
		Error: r.Error, CreatedAt: r.CreatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt)}
	if r.Report != nil {
		var rep Report
		if err := json.Unmarshal([]byte(*r.Report), &rep); err != nil {
			return Job{}, fmt.Errorf("import job %d: decode report: %w", r.ID, err)
		}
		jb.Report = &rep
	}
	return jb, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// RecoverAbandoned fails the queued and running jobs whose process died
// (a crash, a kill): those silent for StaleAfter. Call it at start-up.
// Jobs of other live instances keep their heartbeat fresh and are left
// alone; a job of this very process that died just before a fast restart
// is failed by Get once it has been silent long enough.
func (j *Jobs) RecoverAbandoned(ctx context.Context) (int, error) {
	n, err := j.failStale(ctx, nil)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		j.log.Warn("import jobs abandoned by a stopped server marked failed", "count", n)
	}
	return n, nil
}

// failStale fails stale jobs: one (id) or all (nil).
func (j *Jobs) failStale(ctx context.Context, id *int64) (int, error) {
	now := j.nowUTC()
	query := `UPDATE import_jobs SET status = ?, error_message = ?, finished_at = ?
		WHERE status IN (?, ?) AND heartbeat_at < ?`
	args := []any{JobFailed, msgAbandoned, now, JobQueued, JobRunning, now.Add(-j.cfg.StaleAfter)}
	if id != nil {
		query += ` AND id = ?`
		args = append(args, *id)
	}
	res, err := j.db.ExecContext(ctx, j.q(query), args...)
	if err != nil {
		return 0, fmt.Errorf("fail abandoned import jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Shutdown stops accepting jobs and waits for the running ones until ctx
// ends; then it cancels them, and each records itself failed. Call it
// before closing the database.
func (j *Jobs) Shutdown(ctx context.Context) error {
	j.mu.Lock()
	j.shut = true
	j.mu.Unlock()
	waited := make(chan struct{})
	go func() {
		j.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
	}
	j.stop()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		return errors.New("tabular: import jobs did not stop after cancellation")
	}
	return ctx.Err()
}
