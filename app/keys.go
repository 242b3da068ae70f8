package app

import (
	"os"

	"github.com/meshflow/meshflow/backend/vault"
)

// Keys returns the data dir's master key. A new key goes to the OS keyring
// in the desktop build where one can be asked without hanging (a desktop
// session), else to the 0600 key file; a data dir that has a key keeps it
// where it is. See docs/security.md.
func (a *App) Keys() *vault.Keys {
	a.keysOnce.Do(func() {
		var opts vault.KeyOptions
		if DesktopAvailable && vault.KeyringUsable(os.Getenv) {
			opts.Keyring = vault.SystemKeyring()
		}
		a.keys = vault.NewKeys(string(a.Dir), a.Store, opts)
	})
	return a.keys
}
