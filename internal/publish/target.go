package publish

import (
	"fmt"
	"strings"
)

// Target is where a bake goes: a bucket and a key prefix inside it.
type Target struct {
	Bucket string
	Prefix string // "" (the bucket's root) or ending in "/": "prebake/"
}

// ParseTarget reads "s3://bucket" or "s3://bucket/prefix" (a trailing slash is
// optional). Bucket names follow S3's rules loosely: what S3 would refuse is left
// for S3 to refuse, but an empty bucket, a scheme other than s3, and a prefix with
// empty, "." or ".." segments are errors here.
func ParseTarget(s string) (Target, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return Target{}, fmt.Errorf("target %q: want s3://bucket/prefix", s)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return Target{}, fmt.Errorf("target %q: no bucket name", s)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." {
				return Target{}, fmt.Errorf("target %q: prefix segment %q is empty, \".\" or \"..\"", s, seg)
			}
		}
		prefix += "/"
	}
	return Target{Bucket: bucket, Prefix: prefix}, nil
}

// String is the target as s3://bucket/prefix.
func (t Target) String() string { return "s3://" + t.Bucket + "/" + t.Prefix }

// Key is the object key of rel, a path relative to the output directory.
func (t Target) Key(rel string) string { return t.Prefix + rel }
