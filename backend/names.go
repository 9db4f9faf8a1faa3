package backend

// ValidateBucketName checks the platform KV rule (shared/seeds/001): letters,
// digits, '-' and '_' only, not empty.
func ValidateBucketName(name string) error {
	if name == "" {
		return Invalid("bucket name", "must not be empty")
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return Invalid("bucket name", "%q has %q; use letters, digits, '-' and '_'", name, r)
		}
	}
	return nil
}

// ValidateHistory checks the 1..64 history bound of the KV spec.
func ValidateHistory(n int) error {
	if n < 1 || n > 64 {
		return Invalid("history", "%d is outside 1..64", n)
	}
	return nil
}
