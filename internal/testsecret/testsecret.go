// Package testsecret holds the secrets kvdeck's tests give servers and
// config files, and the check that none of them ever shows: modeltest
// checks every screen a test renders, tmuxtest every screen it captures,
// and the pseudo-terminal tests everything kvdeck writes. A test that needs
// a password, token or passphrase takes one from here, so the check knows
// what to look for.
package testsecret

import "strings"

// The secrets. Each is distinctive, so a match is a leak and not chance.
const (
	RedisPassword  = "kvdeck-test-secret-redis-pw"
	NATSPassword   = "kvdeck-test-secret-nats-pw"
	NATSToken      = "kvdeck-test-secret-nats-token"
	SSHPassphrase  = "kvdeck-test-secret-ssh-passphrase"
	SSHPassword    = "kvdeck-test-secret-ssh-pw"
	CommandSecret  = "kvdeck-test-secret-from-command"
	WrongPassword  = "kvdeck-test-secret-wrong-pw"
	FileSecret     = "kvdeck-test-secret-from-file"
	EnvSecret      = "kvdeck-test-secret-from-env"
	PromptedSecret = "kvdeck-test-secret-typed-at-prompt"
)

// All is every secret above.
var All = []string{
	RedisPassword, NATSPassword, NATSToken, SSHPassphrase, SSHPassword,
	CommandSecret, WrongPassword, FileSecret, EnvSecret, PromptedSecret,
}

// marker is what every secret starts with: a screen without it holds none,
// so the check costs one search.
const marker = "kvdeck-test-secret-"

// Leaked returns the first secret that text shows, or "". A secret cut
// by the screen's edge shows as its marker and start: that counts too.
func Leaked(text string) string {
	if !strings.Contains(text, marker) {
		return ""
	}
	for _, s := range All {
		if strings.Contains(text, s) {
			return s
		}
	}
	return marker + "…"
}
