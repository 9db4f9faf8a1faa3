package tmuxtest

// Send presses keys by their tmux names, one after another: "Down", "Enter",
// "Tab", "BTab", "Escape", "Space", "q", "C-c", "M-x", "F5".
func (s *Session) Send(keys ...string) {
	s.t.Helper()
	if len(keys) == 0 {
		return
	}
	s.must(append([]string{"send-keys", "-t", sessionName, "--"}, keys...)...)
}

// Type types text literally, as if pasted key by key: no key names are
// looked up, so "Enter" types five letters.
func (s *Session) Type(text string) {
	s.t.Helper()
	if text == "" {
		return
	}
	s.must("send-keys", "-t", sessionName, "-l", "--", text)
}
