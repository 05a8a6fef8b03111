package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"smarketing/store"
	"smarketing/store/safefile"
	"smarketing/store/sqlcore"
)

// Import applies ds in one transaction by the rules of [store.ImportInto].
func (db *DB) Import(ctx context.Context, ds store.Dataset, opt store.ImportOptions) (store.ImportReport, error) {
	var rep store.ImportReport
	err := db.write(ctx, func(tx *Tx) error {
		// The same few statements run for every record: prepare each once.
		prepared := &preparedTx{tx: tx.sqltx, stmts: map[string]*sql.Stmt{}}
		defer prepared.close()
		tx.use(prepared)
		var err error
		rep, err = store.ImportInto(ctx, ds, opt, sqlcore.Importer{Tx: tx.Tx, D: dialect{}})
		return err
	})
	return rep, err
}

// preparedTx runs the statements of a transaction as prepared statements,
// each query prepared once and kept until the transaction ends.
type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// close closes the prepared statements.
func (p *preparedTx) close() {
	for _, s := range p.stmts {
		s.Close() // an error here leaves nothing to undo: the transaction ends next
	}
}

var _ txer = (*preparedTx)(nil)

func (p *preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	s, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	return s, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		// A *sql.Row cannot be made with an error: let the transaction
		// report it through Scan.
		return p.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// Backup writes a consistent copy of the database to file while others keep
// using it (VACUUM INTO reads one snapshot; WAL lets writers go on); see
// [WriteBackup] for the checks. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, file string) error {
	return WriteBackup(ctx, file, func(ctx context.Context, tmp string) error {
		_, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", tmp)
		return err
	})
}

// WriteBackup writes a backup to file, a new SQLite database, the way
// every backend makes its backups: fill writes the database at tmp (an
// empty file beside file, created exclusively and readable by its owner
// only); the copy must then open as the bot would open it and pass PRAGMA
// integrity_check; only then is it given its name. A backup that fails or
// is interrupted leaves no file that looks like one, an existing file is
// never overwritten, and a symbolic link is never written through.
func WriteBackup(ctx context.Context, file string, fill func(ctx context.Context, tmp string) error) error {
	exists := fmt.Errorf("backup: %s already exists; choose a new file name", file)
	if ok, err := safefile.CheckTarget(file); err != nil {
		return fmt.Errorf("backup: %w", err)
	} else if ok {
		return exists
	}
	tmp, err := safefile.Temp(file)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", file, err)
	}
	defer func() {
		for _, f := range Files(tmp) {
			os.Remove(f)
		}
	}()
	if err := fill(ctx, tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", file, err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		return fmt.Errorf("backup %s: %w", file, err)
	}
	switch err := safefile.Commit(tmp, file, false); {
	case errors.Is(err, safefile.ErrExists):
		return exists
	case err != nil:
		return fmt.Errorf("backup to %s: %w", file, err)
	}
	return nil
}

// checkCopy opens a copy of the database the way the bot would and checks
// its integrity.
func checkCopy(ctx context.Context, file string) error {
	copyDB, err := Open(ctx, file, store.Options{})
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	defer copyDB.Close()
	res, err := copyDB.IntegrityCheck(ctx)
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("the copy failed its integrity check: %s", res)
	}
	// Closing folds the copy's WAL back into its file before it is named.
	return copyDB.Close()
}
