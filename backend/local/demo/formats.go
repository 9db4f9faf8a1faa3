package demo

import (
	"bytes"
	"compress/zlib"
	"embed"
	"encoding/binary"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/vmihailenco/msgpack/v5"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kvdeck/kvdeck/backend"
)

// fixtures are values made by Java, Python and PHP themselves (see
// formats/README.md).
//
//go:embed formats/*.ser formats/*.pickle formats/*.sess
var fixtures embed.FS

func fixture(name string) []byte {
	b, err := fixtures.ReadFile("formats/" + name)
	if err != nil {
		panic(err) // embedded: present by construction
	}
	return b
}

// formatsBucket holds values as services store them, each made by its
// format's own library: msgpack, zstd of msgpack, lz4, snappy, zlib,
// brotli, protobuf, PHP, Java and pickle.
func formatsBucket() Bucket {
	b := Bucket{Config: backend.BucketConfig{Name: "formats", Description: "values as services store them: msgpack, protobuf, zstd, lz4, snappy, PHP, Java, pickle", History: 1}}
	add := func(key string, v []byte) { b.Items = append(b.Items, backend.Item{Key: key, Value: v}) }

	session := map[string]any{"user_id": 4211, "roles": []string{"admin", "billing"}, "csrf": []byte{0x9f, 0x12, 0xaa, 0x01},
		"expires": 1764581400, "mfa": true, "score": 0.75}
	add("session:msgpack:4211", packed(session))

	zw, _ := zstd.NewWriter(nil)
	cart := packed(map[string]any{"cart_id": "c-7781", "items": []map[string]any{{"sku": "SKU-1042", "qty": 2}, {"sku": "SKU-7", "qty": 1}}, "total": 59.9})
	add("cache:zstd:cart:7781", zw.EncodeAll(cart, nil))

	var lz bytes.Buffer
	lw := lz4.NewWriter(&lz)
	lw.Write([]byte(`{"feed":"home","items":[101,102,103,104],"generated_at":"2026-11-01T09:30:00Z"}`))
	lw.Close()
	add("cache:lz4:feed:home", lz.Bytes())

	var sn bytes.Buffer
	sw := snappy.NewBufferedWriter(&sn)
	sw.Write([]byte("<html><body><h1>Pricing</h1><p>Cached page fragment</p></body></html>"))
	sw.Close()
	add("cache:snappy:page:pricing", sn.Bytes())

	var zl bytes.Buffer
	zlw := zlib.NewWriter(&zl)
	zlw.Write([]byte(`{"flags":{"new_checkout":true,"dark_mode":false}}`))
	zlw.Close()
	add("config:zlib:flags", zl.Bytes())

	var br bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write([]byte("body{font-family:sans-serif;margin:0}.hero{padding:4rem}"))
	bw.Close()
	add("asset:brotli:site.css", br.Bytes()) // no magic number: f offers brotli

	// Formats without a magic number either, offered by f: raw deflate
	// (klauspost/compress/flate), an lz4 block with its size in front
	// (as python-lz4's lz4.block.compress writes it), raw snappy.
	var fl bytes.Buffer
	fw, _ := flate.NewWriter(&fl, flate.DefaultCompression)
	fw.Write([]byte(`{"deflated":true,"by":"a Java Deflater(nowrap)"}`))
	fw.Close()
	add("blob:deflate:raw", fl.Bytes())
	text := []byte("lz4 block of a log line, a log line, a log line")
	block := make([]byte, lz4.CompressBlockBound(len(text)))
	n, _ := lz4.CompressBlock(text, block, nil)
	add("blob:lz4:block", append(binary.LittleEndian.AppendUint32(nil, uint32(len(text))), block[:n]...))
	add("blob:snappy:raw", snappy.Encode(nil, []byte("raw snappy, as memcached clients write it")))

	add("order:protobuf:1001", order(1001))
	add("php:session:9f2c", fixture("session.sess"))
	add("php:user:7", fixture("user.ser"))
	add("java:cart:7781", fixture("cart.ser"))
	add("python:job:88", fixture("job.pickle"))
	return b
}

// packed is v in msgpack, as vmihailenco/msgpack writes it, its maps'
// keys sorted so that the demo is the same on every run.
func packed(v any) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// order is a protobuf message as a service writes it, field by field with
// the protobuf library's wire encoder: 1 id, 2 customer, 3 lines (each 1
// sku, 2 qty, 3 price in cents), 4 status enum, 5 created (unix).
func order(id uint64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, id)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "Ada Lovelace")
	for i, sku := range []string{"SKU-1042", "SKU-7"} {
		var line []byte
		line = protowire.AppendTag(line, 1, protowire.BytesType)
		line = protowire.AppendString(line, sku)
		line = protowire.AppendTag(line, 2, protowire.VarintType)
		line = protowire.AppendVarint(line, uint64(i+1))
		line = protowire.AppendTag(line, 3, protowire.VarintType)
		line = protowire.AppendVarint(line, 2995)
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, line)
	}
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, 1764581400)
	return b
}
