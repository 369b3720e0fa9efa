package publish

import "testing"

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in             string
		bucket, prefix string
		key            string // Key("cmu/a.json")
		bad            bool
	}{
		{in: "s3://b", bucket: "b", key: "cmu/a.json"},
		{in: "s3://b/", bucket: "b", key: "cmu/a.json"},
		{in: "s3://b/prebake", bucket: "b", prefix: "prebake/", key: "prebake/cmu/a.json"},
		{in: "s3://b/site/prebake/", bucket: "b", prefix: "site/prebake/", key: "site/prebake/cmu/a.json"},
		{in: "b/prebake", bad: true},
		{in: "https://b/prebake", bad: true},
		{in: "s3://", bad: true},
		{in: "s3:///prebake", bad: true},
		{in: "s3://b//x", bad: true},
		{in: "s3://b/a/../x", bad: true},
		{in: "s3://b/./x", bad: true},
	} {
		got, err := ParseTarget(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseTarget(%q) = %+v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.Bucket != tc.bucket || got.Prefix != tc.prefix || got.Key("cmu/a.json") != tc.key {
			t.Errorf("ParseTarget(%q) = %+v, %v; want bucket %q prefix %q", tc.in, got, err, tc.bucket, tc.prefix)
		}
	}
}
