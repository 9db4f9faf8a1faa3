package sshtunnel

import "fmt"

// Prompter answers the questions an SSH connection may raise. Its methods
// are called from the goroutine that dials, never the UI's, and block the
// dial until they return; the handshake's own timeout is paused meanwhile.
type Prompter interface {
	// ConfirmHostKey asks whether to trust a host that known_hosts does
	// not list. keyType is OpenSSH's display name ("ED25519", "ECDSA",
	// "RSA"); fingerprint is "SHA256:..." as ssh-keygen -lf prints it.
	// It is asked before any authentication is sent.
	ConfirmHostKey(host, keyType, fingerprint string) (bool, error)
	// Passphrase asks for the passphrase of an encrypted identity file.
	Passphrase(keyFile string) ([]byte, error)
	// Password asks for user's password on host.
	Password(user, host string) ([]byte, error)
}

// Question says what a prompt would have asked.
type Question string

const (
	AskHostKey    Question = "host-key"
	AskPassphrase Question = "passphrase"
	AskPassword   Question = "password"
)

// NeedsInteractionError is NonInteractive's answer: the connection needs a
// question answered, and says which, so that a caller can ask it another
// way (or tell the user what to do beforehand).
type NeedsInteractionError struct {
	Question Question
	// Host is host or [host]:port as known_hosts writes it (AskHostKey,
	// AskPassword).
	Host string
	// KeyType and Fingerprint describe the unknown host key (AskHostKey).
	KeyType     string
	Fingerprint string
	// KeyFile is the encrypted identity file (AskPassphrase).
	KeyFile string
	// User is the login (AskPassword).
	User string
}

func (e *NeedsInteractionError) Error() string {
	switch e.Question {
	case AskHostKey:
		return fmt.Sprintf("the host key of %s is not in known_hosts (%s key fingerprint is %s): connect once interactively to confirm it, or add it with ssh-keyscan", e.Host, e.KeyType, e.Fingerprint)
	case AskPassphrase:
		return fmt.Sprintf("identity file %s is encrypted and no passphrase can be asked for here: load it into ssh-agent (ssh-add %s)", e.KeyFile, e.KeyFile)
	case AskPassword:
		return fmt.Sprintf("%s@%s needs a password and none can be asked for here: use a key (ssh-copy-id) or connect interactively", e.User, e.Host)
	}
	return "ssh: a question needs answering and none can be asked here"
}

// NonInteractive answers every question with a *NeedsInteractionError.
type NonInteractive struct{}

func (NonInteractive) ConfirmHostKey(host, keyType, fingerprint string) (bool, error) {
	return false, &NeedsInteractionError{Question: AskHostKey, Host: host, KeyType: keyType, Fingerprint: fingerprint}
}

func (NonInteractive) Passphrase(keyFile string) ([]byte, error) {
	return nil, &NeedsInteractionError{Question: AskPassphrase, KeyFile: keyFile}
}

func (NonInteractive) Password(user, host string) ([]byte, error) {
	return nil, &NeedsInteractionError{Question: AskPassword, User: user, Host: host}
}
