package nats

import (
	"github.com/kvdeck/kvdeck/backend"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Header names and values by which KV messages say what they are. A
// delete or purge from a client carries KV-Operation; a marker the server
// leaves when a key's last message is removed carries Nats-Marker-Reason
// (MaxAge when a TTL expired it).
const (
	kvOperationHeader = "KV-Operation"
	kvOpDelete        = "DEL"
	kvOpPurge         = "PURGE"
	markerMaxAge      = "MaxAge"
	markerPurge       = "Purge"
	markerRemove      = "Remove"
)

// changeOf tells what a KV message did to its key.
func changeOf(h natsgo.Header) backend.ChangeOp {
	if len(h) == 0 {
		return backend.ChangePut
	}
	switch h.Get(kvOperationHeader) {
	case kvOpDelete:
		return backend.ChangeDelete
	case kvOpPurge:
		return backend.ChangePurge
	}
	switch h.Get(jetstream.MarkerReasonHeader) {
	case markerMaxAge:
		return backend.ChangeExpire
	case markerPurge:
		return backend.ChangePurge
	case markerRemove:
		return backend.ChangeDelete
	}
	return backend.ChangePut
}

// operationName is the NATS name of a revision's operation, as natscli
// shows it; an expiry marker is a purge there.
func operationName(op jetstream.KeyValueOp) string {
	switch op {
	case jetstream.KeyValueDelete:
		return "DEL"
	case jetstream.KeyValuePurge:
		return "PURGE"
	}
	return "PUT"
}

// kvOperation maps a change to the jetstream operation it is stored as.
func kvOperation(op backend.ChangeOp) jetstream.KeyValueOp {
	switch op {
	case backend.ChangeDelete:
		return jetstream.KeyValueDelete
	case backend.ChangePurge, backend.ChangeExpire:
		return jetstream.KeyValuePurge
	}
	return jetstream.KeyValuePut
}
