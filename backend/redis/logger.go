package redis

import (
	"context"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// silentLogger drops go-redis's own log lines: they go to stderr, which is
// the terminal the UI draws on, and they can quote addresses. Every error
// reaches the user through the status bar instead.
type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}

var silenceOnce sync.Once

func silenceClientLogs() { silenceOnce.Do(func() { goredis.SetLogger(silentLogger{}) }) }
