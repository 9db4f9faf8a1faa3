package nats

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	natsgo "github.com/nats-io/nats.go"

	"github.com/kvdeck/kvdeck/backend"
)

var _ backend.Analyzer = (*Store)(nil)

// analyzeBatch is how many keys an analysis emits at a time.
const analyzeBatch = 5000

// Exact keys are read by consumers filtered on their subjects, at most
// maxFilterSubjects a consumer: the server checks a consumer's filters
// pairwise for overlap, so creating one costs the square of its filters
// (4,096 took half a second, 256 a few milliseconds). Beyond
// maxFilteredKeys keys, one listing of the subjects the keys have in
// common (orders.2.> for keys under orders.2, else every key) reads
// fewer headers than the consumers would cost, keeping only the keys
// asked for.
const (
	maxFilterSubjects = 256
	maxFilteredKeys   = 4 * maxFilterSubjects
)

// errSampled ends a listing once the stated sample is in.
var errSampled = errors.New("sample complete")

// Analyze reads the latest message of each key, headers only, never the
// values: the listing's ordered pull consumer (Keys), with q.Pattern as
// its filter, or for q.Keys consumers filtered on exactly those subjects.
// Delete and purge markers are not keys: they are emitted marked Deleted
// (except in a sample, which counts keys), and a key asked for that does
// not exist or could not be one is left out.
//
// Size is the message as the stream stores it: subject, headers and value
// (see storedSize), where the stream's bytes add the store's own record
// overhead per message (30 bytes, 34 with headers, on file storage; 16 in
// memory). ExpiresAt is the message's time plus its Nats-TTL, or plus the
// bucket's TTL (zero for neither). Kind is string, Length 0.
func (s *Store) Analyze(ctx context.Context, bucket string, q backend.AnalyzeQuery, emit func([]backend.KeyFacts) error) error {
	var groups [][]string
	var want map[string]struct{} // the keys asked for, when a filter takes more
	if q.Keys != nil {
		groups, want = exactFilters(q.Keys)
	} else {
		filter, err := keyFilter(q.Pattern)
		if err != nil {
			return err
		}
		groups = [][]string{{filter}}
	}
	h, cfg, err := s.bucketAndConfig(ctx, bucket)
	if err != nil {
		return err
	}
	defer s.listings.enter(bucket)()
	left := q.Sample
	for _, filters := range groups {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.analyzeGroup(ctx, h, listSpec{filters: filters, maxAge: cfg.MaxAge, size: analyzeBatch, stored: true, markers: true}, func(b keyBatch) error {
			facts := make([]backend.KeyFacts, 0, len(b.keys))
			for _, k := range b.keys {
				if want != nil {
					if _, ok := want[k.Name]; !ok {
						continue
					}
				}
				facts = append(facts, backend.KeyFacts{Key: k.Name, Kind: backend.KindString, Size: k.Size, ExpiresAt: k.ExpiresAt})
			}
			if q.Sample == 0 { // a sample counts keys: markers would skew it
				for _, m := range b.markers {
					if want != nil {
						if _, ok := want[m.Name]; !ok {
							continue
						}
					}
					facts = append(facts, backend.KeyFacts{Key: m.Name, Size: m.Size, Deleted: true})
				}
			}
			if len(facts) == 0 {
				return nil
			}
			if q.Sample > 0 {
				facts = facts[:min(len(facts), left)]
				left -= len(facts)
				if left == 0 {
					if len(facts) > 0 {
						if err := emit(facts); err != nil {
							return err
						}
					}
					return errSampled
				}
			}
			return emit(facts)
		})
		if errors.Is(err, errSampled) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// analyzeGroup lists the keys of one consumer's filters into fn.
func (s *Store) analyzeGroup(ctx context.Context, h *bucketHandle, spec listSpec, fn func(keyBatch) error) error {
	l, stop, err := s.listLastOf(ctx, h, spec)
	if err != nil {
		return err
	}
	defer stop()
	return l.collect(ctx, true, fn)
}

// exactFilters turns exact keys into the filters of the consumers that
// read them: each key once (filters must not overlap), keys that cannot
// exist left out, in consumers of maxFilterSubjects; or, for more than
// maxFilteredKeys keys, one filter over their common subjects, with the
// set of keys to keep.
func exactFilters(keys []string) (groups [][]string, want map[string]struct{}) {
	seen := make(map[string]struct{}, len(keys))
	var valid []string
	for _, k := range keys {
		if _, dup := seen[k]; dup || validateKey(k) != nil {
			continue
		}
		seen[k] = struct{}{}
		valid = append(valid, k)
	}
	if len(valid) > maxFilteredKeys {
		return [][]string{{commonFilter(valid)}}, seen
	}
	for len(valid) > 0 {
		n := min(len(valid), maxFilterSubjects)
		groups = append(groups, valid[:n])
		valid = valid[n:]
	}
	return groups, nil
}

// commonFilter is the narrowest filter matching every one of keys: the
// tokens they all start with, short of the whole of any key, then ">".
func commonFilter(keys []string) string {
	common := strings.Split(keys[0], ".")
	common = common[:len(common)-1]
	for _, k := range keys[1:] {
		tokens := strings.Split(k, ".")
		n := 0
		for n < len(common) && n < len(tokens)-1 && common[n] == tokens[n] {
			n++
		}
		common = common[:n]
	}
	return strings.Join(append(common, ">"), ".")
}

// storedSize is a key's message as the stream stores it, from its
// headers-only copy: the subject, the headers and the value, whose length
// the server put in Nats-Msg-Size (valueSize). The copy's headers are the
// stored ones with Nats-Msg-Size added, so the stored headers are taken as
// the copy's without it, as nats.go puts headers on the wire (a writer
// that spaces them otherwise is off by those bytes); a message without
// headers of its own stored none.
func storedSize(subject string, hdr natsgo.Header, valueSize int64) int64 {
	n := int64(len(subject)) + valueSize
	if len(hdr) <= 1 {
		return n // Nats-Msg-Size alone
	}
	own := make(natsgo.Header, len(hdr)-1)
	for k, v := range hdr {
		if k != natsgo.MsgSize {
			own[k] = v
		}
	}
	return n + int64((&natsgo.Msg{Header: own}).Size())
}

// BucketFacts are the bucket's stream's own totals, read fresh: its
// messages and bytes, the history it keeps per key (the setting) and the
// revisions it actually keeps per subject on average (messages over
// subjects, markers included), and its subjects: the keys plus the
// deleted keys whose latest revision is a delete or purge marker, so an
// analysis of every key tells the markers as subjects less keys. Counting
// the markers themselves would mean reading every subject's latest
// headers, which is what Analyze does.
func (s *Store) BucketFacts(ctx context.Context, bucket string) ([]backend.Fact, error) {
	h, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	info, err := h.stream.Info(ctx)
	if err != nil {
		return nil, s.bucketError(bucket, err)
	}
	st, cfg := info.State, bucketConfigOf(info.Config)
	avg := "0"
	if st.NumSubjects > 0 {
		avg = strconv.FormatFloat(float64(st.Msgs)/float64(st.NumSubjects), 'f', 2, 64)
	}
	facts := []backend.Fact{
		{Label: "messages", Value: strconv.FormatUint(st.Msgs, 10)},
		{Label: "bytes", Value: humanize.IBytes(st.Bytes)},
		{Label: "subjects (keys and deleted keys)", Value: strconv.FormatUint(st.NumSubjects, 10)},
		{Label: "history (revisions kept per key)", Value: strconv.Itoa(cfg.History)},
		{Label: "revisions kept (average per subject)", Value: avg},
		{Label: "ttl", Value: durationOrNever(cfg.TTL)},
		{Label: "storage", Value: cfg.Storage},
	}
	return facts, nil
}
