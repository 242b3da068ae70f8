package importers

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Broken files must fail with the file and line, and must not echo the
// secret on the broken line.
func TestBrokenFilesSayWhereWithoutTheSecret(t *testing.T) {
	const secret = "CANARY-broken-7f7f"
	tests := []struct {
		name, path, data, where string
	}{
		{
			"cloudmesh yaml", "cloudmesh.yaml",
			"cloudmesh:\n  cloud:\n    aws:\n      credentials:\n        EC2_SECRET_KEY: \"" + secret + "\n        region: [us-east-1\n",
			"cloudmesh.yaml:",
		},
		{
			"cloudmesh tab indent", "cloudmesh.yaml",
			"cloudmesh:\n  cloud:\n\tEC2_SECRET_KEY: " + secret + "\n",
			"cloudmesh.yaml:3:",
		},
		{
			"clouds.yaml", "clouds.yaml",
			"clouds:\n  lab:\n    auth:\n      auth_url: https://k/v3\n      password: " + secret + ": {\n",
			"clouds.yaml:5:",
		},
		{
			"aws credentials", "credentials",
			"[default]\naws_access_key_id = AKIA\naws_secret_access_key " + secret + "\n",
			"credentials:3:",
		},
		{
			"aws section", "credentials",
			"[default\naws_access_key_id = AKIA\naws_secret_access_key = " + secret + "\n",
			"credentials:1:",
		},
		{
			"azure json", "sp.json",
			"{\n  \"appId\": \"a\",\n  \"password\": \"" + secret + "\"x,\n  \"tenant\": \"t\"\n}\n",
			"sp.json:3:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.path, []byte(tt.data))
			if err == nil {
				t.Fatal("parsed a broken file")
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %q is not ErrSyntax", err)
			}
			if !strings.HasPrefix(err.Error(), tt.where) {
				t.Errorf("error %q does not start with %q", err, tt.where)
			}
			if strings.Contains(err.Error(), "CANARY") || strings.Contains(err.Error(), "7f7f") {
				t.Errorf("error leaks the secret: %q", err)
			}
		})
	}
}

func TestFilesThatAreNotCredentials(t *testing.T) {
	big := bytes.Repeat([]byte("cloudmesh:\n  a: b\n"), 50<<20/18)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrEmpty},
		{"blank lines", []byte("\n  \n\t\n"), ErrEmpty},
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00cloudmesh:"), ErrBinary},
		{"not utf-8", []byte("clouds:\n  a: \xff\xfe\n"), ErrBinary},
		{"50 MB", big, ErrTooLarge},
		{"prose", []byte("Shopping list\n- milk\n- eggs\n"), ErrUnknownFormat},
		{"other yaml", []byte("apiVersion: v1\nkind: Pod\n"), ErrUnknownFormat},
		{"other json", []byte(`{"name": "x", "version": "1.0"}`), ErrUnknownFormat},
		{"other ini", []byte("[core]\n\tbare = false\n"), ErrUnknownFormat},
		{"yaml document that is a list", []byte("- cloudmesh\n- clouds\n"), ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/home/ada/file", tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "/home/ada/file: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// A YAML file that is a mapping only under the key we look for still has
// to be a mapping at the top.
func TestCloudmeshTopNotAMapping(t *testing.T) {
	r, err := Parse("cloudmesh.yaml", []byte("cloudmesh: just a string\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Connections)+len(r.Skipped) != 0 {
		t.Errorf("found entries in an empty cloudmesh section: %+v", r)
	}
}

// Two files of a format that merges by name are refused rather than
// letting one silently win.
func TestTwoFilesOfOneKindRefused(t *testing.T) {
	a := readSample(t, "aws/credentials")
	b := File{Path: "/backup/credentials", Data: a.Data}
	if _, err := ParseFiles(a, b); err == nil || !strings.Contains(err.Error(), "one at a time") {
		t.Errorf("ParseFiles(two credentials files) = %v", err)
	}
}

// A small file whose aliases expand exponentially is refused, not expanded.
func TestYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("cloudmesh:\n  cloud: *a8\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "aliases") {
		t.Errorf("Parse(alias bomb) = %v", err)
	}
}
