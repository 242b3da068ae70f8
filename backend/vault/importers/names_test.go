package importers

import (
	"reflect"
	"testing"
)

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"chameleon":     "chameleon",
		"KVM@TACC":      "kvm-tacc",
		"storage_b":     "storage-b",
		"  --Lab 2-- ":  "lab-2",
		"meshflow-lab":  "meshflow-lab",
		"ada@example":   "ada-example",
		"日本":            "",
		"profile.dev.1": "profile-dev-1",
	}
	for in, want := range tests {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for _, v := range []string{
		"", " ", "TBD", "tbd", "TBD@sample.edu", "TBD_not_used", "None", "null",
		"xxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "<service account>.iam.gserviceaccount.com", "<Project Name>",
	} {
		if !placeholder(v) {
			t.Errorf("placeholder(%q) = false", v)
		}
	}
	for _, v := range []string{"ada", "us-east-1", "x", "xx-1", "11111111-2222-3333-4444-555555555555", "AKIAEXAMPLE", "TB", "oxxo"} {
		if placeholder(v) {
			t.Errorf("placeholder(%q) = true", v)
		}
	}
}

// Two Cloudmesh files both name clouds aws and chameleon: the names are
// made unique in file order, and the same files give the same names again,
// which is what lets a second import update the first.
func TestNamesUniqueAndStable(t *testing.T) {
	files := []File{readSample(t, "cloudmesh/cloudmesh.yaml"), readSample(t, "cloudmesh/cloudmesh-old.yaml"), readSample(t, "aws/credentials")}
	names := func() []string {
		r, err := ParseFiles(files...)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		seen := map[string]bool{}
		for _, c := range r.Connections {
			if seen[c.Name] {
				t.Errorf("name %q twice", c.Name)
			}
			seen[c.Name] = true
			if safeName(c.Name) != c.Name {
				t.Errorf("name %q is not safe", c.Name)
			}
			out = append(out, c.Name)
		}
		return out
	}
	first := names()
	want := []string{
		"azure", "aws", "chameleon", "chameleon-v2", "jetstream", "bigred2", "clustera",
		"kilo", "chameleon-2", "aws-2", "chameleon-ec2", "default", "lab", "wasabi",
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("names %q\nwant  %q", first, want)
	}
	if again := names(); !reflect.DeepEqual(first, again) {
		t.Errorf("a second import named them %q, the first %q", again, first)
	}
}
