package sqlcore

import (
	"context"
	"fmt"
	"time"

	"smarketing/store"
)

// Agreements (store/agreement.go): the sign-offs of terms and personas
// live in signoffs, one row each, oldest first by id; the record's row
// keeps its version, owner and agreed_at, the [store.Standing].AgreedAt of
// its current version (NULL unless agreed), written again by every
// sign-off, edit and import, so that DueReviews and NextReviewDue are
// queries. The rules are the pure functions of [store.Agreement].

// recordTable is the table of a kind of record (never data: a constant).
func recordTable(kind string) (string, error) {
	switch kind {
	case store.KindTerm:
		return "terms", nil
	case store.KindPersona:
		return "personas", nil
	}
	return "", fmt.Errorf("%w: no records of kind %q", store.ErrNotFound, kind)
}

const signoffColumns = "record_id, id, version, user_id, user_name, side, dual, dispute, reason, at"

func scanSignoff(sc Row) (recordID int64, s store.Signoff, err error) {
	var at int64
	err = sc.Scan(&recordID, &s.ID, &s.Version, &s.User, &s.UserName, &s.Side, &s.Dual, &s.Dispute, &s.Reason, &at)
	s.At = FromNanos(at)
	return recordID, s, err
}

// signoffsWhere reads the sign-offs of kind where says (args its
// parameters), by record, each record's oldest first.
func signoffsWhere(ctx context.Context, q Querier, kind, where string, args ...any) (map[int64][]store.Signoff, error) {
	rows, err := q.Query(ctx, "SELECT "+signoffColumns+" FROM signoffs WHERE kind = ?"+where+" ORDER BY record_id, id",
		append([]any{kind}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read %s sign-offs: %w", kind, err)
	}
	out := map[int64][]store.Signoff{}
	err = scanEach(rows, func(r Rows) error {
		id, s, err := scanSignoff(r)
		out[id] = append(out[id], s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s sign-offs: %w", kind, err)
	}
	return out, nil
}

// signoffsOf reads the sign-offs of one record, oldest first (nil if none).
func signoffsOf(ctx context.Context, q Querier, kind string, id int64) ([]store.Signoff, error) {
	m, err := signoffsWhere(ctx, q, kind, " AND record_id = ?", id)
	return m[id], err
}

// signoffsIn reads the sign-offs of the records ids, by record.
func signoffsIn(ctx context.Context, q Querier, kind string, ids []any) (map[int64][]store.Signoff, error) {
	return signoffsWhere(ctx, q, kind, " AND record_id IN ("+placeholders(len(ids))+")", ids...)
}

// insertSignoff adds s (its version, user, side, … as they are) to the
// record kind id and returns its id.
func insertSignoff(ctx context.Context, tx *Tx, kind string, id int64, s store.Signoff) (int64, error) {
	var sid int64
	err := tx.QueryRow(ctx, `INSERT INTO signoffs (kind, record_id, version, user_id, user_name, side, dual, dispute, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		kind, id, s.Version, s.User, s.UserName, s.Side, s.Dual, s.Dispute, s.Reason, Nanos(s.At)).Scan(&sid)
	if err != nil {
		return 0, fmt.Errorf("write %s sign-off: %w", kind, err)
	}
	return sid, nil
}

func deleteSignoffs(ctx context.Context, tx *Tx, kind string, id int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM signoffs WHERE kind = ? AND record_id = ?", kind, id); err != nil {
		return fmt.Errorf("delete %s sign-offs: %w", kind, err)
	}
	return nil
}

// agreedAt is a's AgreedAt as stored: NULL (nil) unless agreed. It does not
// depend on the time nor the review period.
func agreedAt(a store.Agreement) *int64 {
	st := a.Standing(time.Time{}, 0)
	if st.AgreedAt.IsZero() {
		return nil
	}
	n := Nanos(st.AgreedAt)
	return &n
}

// storeAgreedAt writes a's agreed_at into the record kind id.
func storeAgreedAt(ctx context.Context, tx *Tx, kind string, id int64, a store.Agreement) error {
	table, err := recordTable(kind)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE "+table+" SET agreed_at = ? WHERE id = ?", agreedAt(a), id); err != nil {
		return fmt.Errorf("write %s agreed_at: %w", kind, err)
	}
	return nil
}

// agreementOf reads the agreement of the record ref within q, or returns
// [store.ErrNotFound].
func agreementOf(ctx context.Context, q Querier, ref store.Ref) (store.Agreement, error) {
	table, err := recordTable(ref.Kind)
	if err != nil {
		return store.Agreement{}, err
	}
	var a store.Agreement
	err = q.QueryRow(ctx, "SELECT version, owner, owner_name FROM "+table+" WHERE id = ?", ref.ID).
		Scan(&a.Version, &a.Owner, &a.OwnerName)
	if IsNoRows(err) {
		return store.Agreement{}, store.ErrNotFound
	}
	if err != nil {
		return store.Agreement{}, fmt.Errorf("read %s agreement: %w", ref.Kind, err)
	}
	if a.Signoffs, err = signoffsOf(ctx, q, ref.Kind, ref.ID); err != nil {
		return store.Agreement{}, err
	}
	return a, nil
}

// SignOff records an approval or a dispute of ref; see [store.Agreements].
func (db *DB) SignOff(ctx context.Context, ref store.Ref, s store.Signoff, sales, marketing bool) (store.Agreement, error) {
	var out store.Agreement
	err := db.write(ctx, func(tx *Tx) error {
		a, err := agreementOf(ctx, tx, ref)
		if err != nil {
			return err
		}
		if s.Version != a.Version {
			return &store.VersionError{Asked: s.Version, Current: a.Version}
		}
		row := store.Signoff{Version: a.Version, User: s.User, UserName: s.UserName, Dispute: s.Dispute, Reason: s.Reason, At: tx.Now}
		if !s.Dispute {
			side, flip, err := a.Place(s.User, sales, marketing)
			if err != nil {
				return err
			}
			row.Side, row.Dual = side, sales && marketing
			if flip != nil {
				moved := store.SideSales
				if flip.Side == store.SideSales {
					moved = store.SideMarketing
				}
				if _, err := tx.Exec(ctx, "UPDATE signoffs SET side = ? WHERE id = ?", moved, flip.ID); err != nil {
					return fmt.Errorf("move %s sign-off: %w", ref.Kind, err)
				}
				flip.Side = moved // a.Signoffs holds it
			}
		}
		if row.ID, err = insertSignoff(ctx, tx, ref.Kind, ref.ID, row); err != nil {
			return err
		}
		a.Signoffs = append(a.Signoffs, row)
		if err := storeAgreedAt(ctx, tx, ref.Kind, ref.ID, a); err != nil {
			return err
		}
		if ref.Kind == store.KindTerm {
			tx.TermsChanged = true // the glossary copy shows it at once
		}
		out = a
		return nil
	})
	if err != nil {
		return store.Agreement{}, err
	}
	return out, nil
}

// SetOwner makes owner who answers for ref, or returns [store.ErrNotFound].
func (db *DB) SetOwner(ctx context.Context, ref store.Ref, owner store.Actor) error {
	table, err := recordTable(ref.Kind)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "UPDATE "+table+" SET owner = ?, owner_name = ? WHERE id = ?", owner.ID, owner.Name, ref.ID)
		if err != nil {
			return fmt.Errorf("set %s owner: %w", ref.Kind, err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if ref.Kind == store.KindTerm {
			tx.TermsChanged = true
		}
		return nil
	})
}

// reviewKeySQL is [store.ReviewKey] of a row of table (kind), in SQL that
// both databases read alike: || on text, integers cast to their decimal
// text. The suite checks it against store.ReviewKey.
func reviewKeySQL(table, kind string) string {
	return "'review:" + kind + ":' || CAST(" + table + ".id AS TEXT) || ':v' || CAST(" + table +
		".version AS TEXT) || ':' || CAST(" + table + ".agreed_at AS TEXT)"
}

// DueReviews returns the agreed terms and personas due for review whose
// owner was not told; see [store.Agreements].
func (db *DB) DueReviews(ctx context.Context, now time.Time, every time.Duration, limit int) ([]store.DueReview, error) {
	if every <= 0 || limit == 0 {
		return nil, nil
	}
	var out []store.DueReview
	err := db.read(ctx, func(tx *Tx) error {
		for _, kind := range []string{store.KindTerm, store.KindPersona} {
			left := -1
			if limit > 0 {
				left = limit - len(out)
				if left <= 0 {
					break
				}
			}
			table, _ := recordTable(kind)
			rows, err := tx.Query(ctx, "SELECT id, name, version, owner, created_by, agreed_at FROM "+table+
				" WHERE agreed_at IS NOT NULL AND agreed_at <= ?"+
				" AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.key = "+reviewKeySQL(table, kind)+
				" AND (c.state = 'done' OR c.expires_at > ?)) ORDER BY id LIMIT ?",
				Nanos(now.Add(-every)), Nanos(now), db.d.Limit(left))
			if err != nil {
				return fmt.Errorf("due reviews: %w", err)
			}
			err = scanEach(rows, func(r Rows) error {
				d := store.DueReview{Ref: store.Ref{Kind: kind}}
				var at int64
				if err := r.Scan(&d.ID, &d.Name, &d.Version, &d.Owner, &d.CreatedBy, &at); err != nil {
					return err
				}
				if d.Owner == "" {
					d.Owner = d.CreatedBy
				}
				d.AgreedAt = FromNanos(at)
				d.DueAt = d.AgreedAt.Add(every)
				out = append(out, d)
				return nil
			})
			if err != nil {
				return fmt.Errorf("due reviews: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// NextReviewDue returns when the next agreed term or persona falls due for
// review after now; see [store.Agreements].
func (db *DB) NextReviewDue(ctx context.Context, now time.Time, every time.Duration) (time.Time, error) {
	if every <= 0 {
		return time.Time{}, nil
	}
	var first *int64
	err := db.pool().QueryRow(ctx, `SELECT MIN(agreed_at) FROM (
		SELECT MIN(agreed_at) AS agreed_at FROM terms WHERE agreed_at > ?
		UNION ALL SELECT MIN(agreed_at) FROM personas WHERE agreed_at > ?) AS firsts`,
		Nanos(now.Add(-every)), Nanos(now.Add(-every))).Scan(&first)
	if err != nil {
		return time.Time{}, fmt.Errorf("next review: %w", err)
	}
	if first == nil {
		return time.Time{}, nil
	}
	return FromNanos(*first).Add(every), nil
}
