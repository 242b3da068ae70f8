package vault

import (
	"runtime"

	"github.com/zalando/go-keyring"
)

// systemKeyring is the OS keyring through go-keyring: the Secret Service
// on Linux and the BSDs, the Keychain on macOS, the Credential Manager on
// Windows.
type systemKeyring struct{}

var _ Keyring = systemKeyring{}

// SystemKeyring returns the OS keyring.
func SystemKeyring() Keyring { return systemKeyring{} }

func (systemKeyring) Name() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "Secret Service"
}

func (systemKeyring) Get(service, account string) (string, error) {
	return keyring.Get(service, account)
}

func (systemKeyring) Set(service, account, secret string) error {
	return keyring.Set(service, account, secret)
}
