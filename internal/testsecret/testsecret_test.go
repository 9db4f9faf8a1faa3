package testsecret

import "testing"

func TestLeaked(t *testing.T) {
	for _, s := range All {
		if got := Leaked("status: " + s + " refused"); got != s {
			t.Errorf("Leaked(%q) = %q", s, got)
		}
	}
	if got := Leaked("wrong password for kvdeck-test-secret-red…"); got == "" {
		t.Errorf("a secret cut at the screen's edge was not caught")
	}
	if got := Leaked("redis 127.0.0.1:6379 · secret-free screen"); got != "" {
		t.Errorf("a clean screen: %q", got)
	}
}
