package frontend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Import on the Connections page lists what the usual places hold, with
// no secret, imports it on confirmation, and a second import updates the
// same connections rather than adding more.
func TestConnectionsImportFromTheUsualPlaces(t *testing.T) {
	f := newFixture(t, false)
	(pageCase{"nothing found", "/connections/import", 200, []string{"No credentials in the usual places"}, []string{`data-testid="confirm"`}}).run(t, f)
	aws := filepath.Join(f.info.DataDir, "home", ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(aws, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("credentials", "[default]\naws_access_key_id = AKIAEXAMPLE1\naws_secret_access_key = "+connCanary+"\n\n[lab]\naws_access_key_id = AKIAEXAMPLE2\naws_secret_access_key = "+connCanary+"\n\n[broken]\naws_access_key_id = TBD\naws_secret_access_key = TBD\n")
	write("config", "[default]\nregion = us-east-1\n\n[profile lab]\nregion = eu-west-1\n")

	(pageCase{"asked first", "/connections/import", 200, []string{
		filepath.Join(aws, "credentials"), `data-testid="import-item"`, ">new<", "Import 2 connections", `data-testid="import-skip" data-name="broken"`,
	}, []string{connCanary, "updates the connection"}}).run(t, f)
	first := f.follow(t, f.do(t, "POST", "/connections/import", nil, nil))
	if !strings.Contains(first, "Imported: 2 added, 0 updated, 1 skipped") || strings.Contains(first, connCanary) {
		t.Errorf("the first import says:\n%s", first)
	}
	(pageCase{"again", "/connections/import", 200, []string{"updates the connection of that name"}, []string{connCanary, ">new<"}}).run(t, f)
	again := f.follow(t, f.do(t, "POST", "/connections/import", nil, nil))
	if !strings.Contains(again, "Imported: 0 added, 2 updated, 1 skipped") {
		t.Errorf("the second import says:\n%s", again)
	}
	list, err := f.conns.List(t.Context())
	if err != nil || len(list) != 2 {
		t.Errorf("after two imports there are %d connections (%v), want 2", len(list), err)
	}
	wantAudit(t, f, []auditWant{{"connection.import", "connection default, lab", "done", ""}, {"connection.import", "connection default, lab", "done", ""}})
}
