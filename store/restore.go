package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/meshflow/meshflow/backend/model"
)

// BackupInfo is what a restore needs to know about a backup before it
// puts it in place.
type BackupInfo struct {
	SchemaVersion int
	Secrets       int // how many secret variables and connections with secrets it holds
	// One secret variable, sealed, to check a key against; empty when none.
	SecretName string
	Sealed     []byte
	// KeyFingerprint is the fingerprint of the key its secrets were
	// sealed with, where the backup records one.
	KeyFingerprint string
}

// InspectBackup checks that the database file at path is a whole meshflow
// database this build can open (integrity check, schema not newer), without
// changing it: no migration runs.
func InspectBackup(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	// SQLite would create a missing file.
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("store: backup %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", fileURI(path)+"?_busy_timeout=5000")
	if err != nil {
		return info, fmt.Errorf("store: %s: %w", path, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err == nil {
		defer conn.Close()
		err = integrityCheck(ctx, conn)
	}
	if err != nil {
		return info, model.Errorf(model.ErrInvalid, "%s is not a usable meshflow database: %w", path, err)
	}
	if !hasTable(ctx, conn, "schema_migrations") {
		return info, model.Errorf(model.ErrInvalid, "%s is not a meshflow database (it has no schema_migrations table)", path)
	}
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion)
	if err != nil {
		return info, fmt.Errorf("store: %s: read schema version: %w", path, err)
	}
	if info.SchemaVersion > len(migrations) {
		return info, model.Errorf(model.ErrInvalid, "%s has schema version %d, newer than this meshflow understands (%d): restore it with a newer meshflow",
			path, info.SchemaVersion, len(migrations))
	}
	if hasTable(ctx, conn, "vault_key") {
		err = conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(fingerprint), '') FROM vault_key`).Scan(&info.KeyFingerprint)
		if err != nil {
			return info, fmt.Errorf("store: %s: read the key fingerprint: %w", path, err)
		}
	}
	if hasTable(ctx, conn, "connections") {
		err = conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections WHERE secrets IS NOT NULL`).Scan(&info.Secrets)
		if err != nil {
			return info, fmt.Errorf("store: %s: count connection secrets: %w", path, err)
		}
	}
	if !hasTable(ctx, conn, "variables") {
		return info, nil
	}
	var vars int
	err = conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM variables WHERE secret`).Scan(&vars)
	info.Secrets += vars
	if err != nil {
		return info, fmt.Errorf("store: %s: count secrets: %w", path, err)
	}
	if vars > 0 {
		err = conn.QueryRowContext(ctx, `SELECT name, value FROM variables WHERE secret ORDER BY name LIMIT 1`).Scan(&info.SecretName, &info.Sealed)
		if err != nil {
			return info, fmt.Errorf("store: %s: read a secret: %w", path, err)
		}
	}
	return info, nil
}

func hasTable(ctx context.Context, conn *sql.Conn, name string) bool {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return err == nil && n == 1
}
