//go:build !linux

package local

import bolt "go.etcd.io/bbolt"

// releaseMapped is Linux's only (mapped_linux.go).
func releaseMapped(*bolt.Tx) {}
