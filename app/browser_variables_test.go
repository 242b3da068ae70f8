package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserVariablesKeepSecrets sets a plain variable and a secret
// through the form, as a user would, and makes sure the secret's value is
// masked while typed and shown nowhere after: not in the page, not after a
// refused save, not in the audit log. Then it deletes a variable through
// its row's confirm step.
func TestBrowserVariablesKeepSecrets(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	shots := t.ArtifactDir()
	const secret = "tok-4f9c-DO-NOT-SHOW"

	b.open(t, s.url+"/variables", "variables")
	b.submitVariable(t, "BUCKET", "s3://reports/nightly", false)
	b.waitFlash(t, "Variable BUCKET saved.")
	if got := b.text(t, `[data-name="BUCKET"] [data-testid="variable-value"]`); got != "s3://reports/nightly" {
		t.Errorf("BUCKET's row shows %q", got)
	}
	b.check(t, "save a plain variable")

	// A refused secret comes back without its value: the user types it again.
	b.expect(s.url+"/variables", http.StatusUnprocessableEntity)
	b.submitVariable(t, "api token", secret, true)
	b.waitVisible(t, `[data-testid="error-name"]`)
	if got := b.text(t, `[data-testid="error-name"]`); !strings.Contains(got, "use letters, digits and _") {
		t.Errorf("error for a name with a space = %q", got)
	}
	b.wantNoSecret(t, secret, "after a refused save")
	b.check(t, "refused secret")
	b.checkExpected(t)

	b.screenshot(t, shots, "variables-refused")
	b.run(t, "clear the bad name", chromedp.Clear(`#var-name`, chromedp.ByQuery))
	b.fillVariable(t, "API_TOKEN", secret, true)
	b.screenshot(t, shots, "variables-typing-secret")
	b.run(t, "save the secret", chromedp.Click(`[data-testid="variable-save"]`, chromedp.ByQuery))
	b.waitFlash(t, "Variable API_TOKEN saved as a secret.")
	if got := strings.TrimSpace(b.text(t, `[data-name="API_TOKEN"] td:nth-child(2)`)); got != "secret" {
		t.Errorf("API_TOKEN's value cell = %q, want secret", got)
	}
	b.wantNoSecret(t, secret, "after saving it")
	if v, err := s.app.Variables().Get(t.Context(), "API_TOKEN", true); err != nil || !v.Secret || v.Value != secret {
		t.Errorf("stored API_TOKEN = %+v (%v)", v, err)
	}
	b.screenshot(t, shots, "variables")
	b.check(t, "save a secret")

	b.clickAndWait(t, `[data-name="API_TOKEN"] [data-testid="variable-edit"]`, `#var-secret:checked`)
	b.wantNoSecret(t, secret, "when editing it")
	b.check(t, "edit the secret")

	b.clickAndWait(t, `[data-name="BUCKET"] [data-testid="variable-delete"]`, `[data-name="BUCKET"] [data-testid="variable-delete-confirm"]`)
	b.screenshot(t, shots, "variables-confirm-delete")
	b.run(t, "confirm the delete", chromedp.Click(`[data-name="BUCKET"] [data-testid="variable-delete-confirm"]`, chromedp.ByQuery))
	b.waitFlash(t, "Variable BUCKET deleted.")
	if n := b.count(t, `[data-name="BUCKET"]`); n != 0 {
		t.Errorf("BUCKET still listed after its delete")
	}
	b.check(t, "delete a variable")

	b.follow(t, navItem(t, "audit"))
	rows := b.auditRows(t)
	for _, want := range []auditRow{
		{Source: "ui", Who: "127.0.0.1", Action: "variable.set", Target: "variable BUCKET", Outcome: "done"},
		{Source: "ui", Action: "variable.set", Target: "variable api token", Outcome: "refused", Reason: `name: variable name "api token"`},
		{Source: "ui", Action: "variable.set", Target: "variable API_TOKEN", Outcome: "done"},
		{Source: "ui", Action: "variable.delete", Target: "variable BUCKET", Outcome: "done"},
	} {
		if !hasRow(rows, want) {
			t.Errorf("audit log has no %+v: %+v", want, rows)
		}
	}
	b.wantNoSecret(t, secret, "in the audit log")
	b.check(t, "audit after the variables")
}

// submitVariable fills in the variable form and presses Save.
func (b *browser) submitVariable(t *testing.T, name, value string, secret bool) {
	t.Helper()
	b.fillVariable(t, name, value, secret)
	b.run(t, "save the variable", chromedp.Click(`[data-testid="variable-save"]`, chromedp.ByQuery))
}

// fillVariable types into the variable form. The value box must be masked,
// like a password, once "secret" is ticked.
func (b *browser) fillVariable(t *testing.T, name, value string, secret bool) {
	t.Helper()
	b.run(t, "fill in the variable form",
		chromedp.SendKeys(`#var-name`, name, chromedp.ByQuery),
		chromedp.SendKeys(`#var-value`, value, chromedp.ByQuery),
	)
	var ticked bool
	b.run(t, "read the secret box", chromedp.Evaluate(`document.querySelector("#var-secret").checked`, &ticked))
	if ticked != secret {
		b.run(t, "tick or untick secret", chromedp.Click(`#var-secret`, chromedp.ByQuery))
	}
	var masking string
	b.run(t, "read the value box's masking", chromedp.Evaluate(
		`getComputedStyle(document.querySelector("#var-value")).webkitTextSecurity`, &masking))
	if want := map[bool]string{true: "disc", false: "none"}[secret]; masking != want {
		t.Errorf("value box masking = %q with secret=%t, want %q", masking, secret, want)
	}
}

// waitFlash waits for the page an action led to, showing msg.
func (b *browser) waitFlash(t *testing.T, msg string) {
	t.Helper()
	b.waitVisible(t, `[data-testid="flash"]`)
	if got := b.text(t, `[data-testid="flash"]`); got != msg {
		t.Errorf("flash = %q, want %q", got, msg)
	}
}

// wantNoSecret fails if value is anywhere in the document, attributes and
// form fields included.
func (b *browser) wantNoSecret(t *testing.T, value, when string) {
	t.Helper()
	var found bool
	b.run(t, "search the page for the secret", chromedp.Evaluate(`(() => {
		const v = `+strconv.Quote(value)+`;
		return document.documentElement.outerHTML.includes(v) ||
			Array.from(document.querySelectorAll("input, textarea"), e => e.value).some(x => x.includes(v));
	})()`, &found))
	if found {
		t.Errorf("%s: the page shows the secret", when)
	}
}
