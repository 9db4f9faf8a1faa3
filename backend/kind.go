package backend

// Kind is a value's data type. It is a byte so that a million listed keys
// carry it cheaply.
type Kind uint8

const (
	KindUnknown Kind = iota
	KindString
	KindJSON // RedisJSON documents; JSON in a plain string is KindString
	KindHash
	KindList
	KindSet
	KindZSet
	KindStream
)

var kindNames = [...]string{"", "string", "json", "hash", "list", "set", "zset", "stream"}

// String returns the store's name for the kind ("" for unknown).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

// ParseKind maps a name such as "zset" to its Kind; unknown names give
// KindUnknown and false.
func ParseKind(name string) (Kind, bool) {
	if name == "ReJSON-RL" {
		return KindJSON, true
	}
	for i, n := range kindNames {
		if i > 0 && n == name {
			return Kind(i), true
		}
	}
	return KindUnknown, false
}

// IsCollection reports whether values of this kind are paged element by
// element (Collections) rather than read as bytes.
func (k Kind) IsCollection() bool {
	switch k {
	case KindHash, KindList, KindSet, KindZSet, KindStream:
		return true
	}
	return false
}
