package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.BulkReader = (*Store)(nil)

// ReadMany reads the first maxBytes of each key's string value in one
// pipeline of GETRANGE: one round trip for the batch, no script, and every
// command is short (GETRANGE costs the server the bytes it returns), so the
// pipeline never lands in the SLOWLOG. A key that is gone or holds another
// type reads as empty. In a Cluster go-redis splits the pipeline by node.
func (s *Store) ReadMany(ctx context.Context, bucket string, keys []string, maxBytes int64) ([][]byte, error) {
	c, err := s.bucketClient(bucket)
	if err != nil {
		return nil, err
	}
	if maxBytes <= 0 {
		maxBytes = 1
	}
	pipe := c.Pipeline()
	cmds := make([]*goredis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.GetRange(ctx, k, 0, maxBytes-1)
	}
	// Exec's error is the first command's that failed; a WRONGTYPE for a
	// hash or a list is expected, so each command's error is read below.
	_, _ = pipe.Exec(ctx)
	out := make([][]byte, len(keys))
	for i, cmd := range cmds {
		v, err := cmd.Bytes()
		switch {
		case err == nil:
			out[i] = v
		case isWrongType(err):
		default:
			return nil, s.cmdErr(err, keys[i])
		}
	}
	return out, nil
}

func isWrongType(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && len(re.Error()) >= 9 && re.Error()[:9] == "WRONGTYPE"
}
