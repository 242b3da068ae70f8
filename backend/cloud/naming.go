package cloud

import (
	"regexp"
	"slices"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

const counterPlaceholder = "{counter}"

// NamePlaceholders are what a naming pattern may hold: the OS user, the
// create's prefix ("vm" if none), the connection's name, and a number
// counted up per name, kept in the database.
var NamePlaceholders = []string{"{user}", "{prefix}", "{connection}", counterPlaceholder}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// CheckNamePattern refuses a naming pattern with a placeholder meshflow
// does not know, a brace left open, or text no cloud takes in a name.
// A pattern without {counter} is allowed; it names one VM at a time.
func CheckNamePattern(p string) error {
	if strings.TrimSpace(p) == "" {
		return model.Errorf(model.ErrInvalid, "the naming pattern is empty: use e.g. %s", model.CloudmeshNamePattern)
	}
	for _, ph := range placeholder.FindAllString(p, -1) {
		if !slices.Contains(NamePlaceholders, ph) {
			return model.Errorf(model.ErrInvalid, "the naming pattern %s has %s, which meshflow does not know: use %s", p, ph, strings.Join(NamePlaceholders, ", "))
		}
	}
	literal := placeholder.ReplaceAllString(p, "")
	if strings.ContainsAny(literal, "{}") {
		return model.Errorf(model.ErrInvalid, "the naming pattern %s has a brace without its pair: placeholders are written {user}", p)
	}
	if strings.ContainsFunc(literal, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' }) {
		return model.Errorf(model.ErrInvalid, "the naming pattern %s has text clouds refuse in names: use lower-case letters, digits and dashes between the placeholders", p)
	}
	return nil
}
