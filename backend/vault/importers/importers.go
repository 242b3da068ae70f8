// Package importers turns the credential files and environments people
// already have (AWS, OpenStack, Azure, Cloudmesh) into connections, and
// says what it left out and why. It only parses: no store, no network.
//
// A connection's Name is the profile or cloud name made safe. The store
// matches an imported connection to an existing one by Name and Kind, so
// importing the same file twice updates rather than duplicates.
package importers

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"unicode/utf8"

	"github.com/meshflow/meshflow/backend/model"
)

// MaxFileSize is the largest file read: the biggest real cloudmesh.yaml is
// about 16 KB, so anything near this is not a credentials file.
const MaxFileSize = 1 << 20

// Errors a caller can tell apart; each is wrapped with the file's path.
var (
	ErrEmpty         = errors.New("the file is empty")
	ErrBinary        = errors.New("a binary file, not a credentials file")
	ErrTooLarge      = fmt.Errorf("larger than %d MB: not a credentials file", MaxFileSize>>20)
	ErrUnknownFormat = errors.New("not a format meshflow imports (AWS credentials or config, OpenStack clouds.yaml, secure.yaml or openrc, Azure service principal JSON, Cloudmesh yaml)")
	ErrSyntax        = errors.New("syntax error")
)

// Format is a kind of file the importers read.
type Format string

// The formats, as Detect names them.
const (
	FormatAWSCredentials Format = "aws-credentials" // ~/.aws/credentials
	FormatAWSConfig      Format = "aws-config"      // ~/.aws/config
	FormatCloudsYAML     Format = "clouds.yaml"     // OpenStack clouds.yaml
	FormatSecureYAML     Format = "secure.yaml"     // OpenStack secure.yaml: secrets by cloud name
	FormatOpenRC         Format = "openrc"          // a shell file of export OS_…=
	FormatAzureSP        Format = "azure-sp"        // az ad sp create-for-rbac output, or its older --sdk-auth form
	FormatCloudmesh      Format = "cloudmesh"       // ~/.cloudmesh/cloudmesh.yaml or cloudmesh4.yaml, both layouts
	FormatEnv            Format = "environment"     // OS_*, AZURE_*, AWS_* variables (FromEnv)
)

// Result is what an import found. Its Connections and Storage carry the
// secrets read, in their Secrets maps only: print or log a Result only
// with those masked.
type Result struct {
	Connections []model.Connection
	// Storage holds Cloudmesh storage entries (S3, Azure Blob) for the
	// files feature; they are not connections.
	Storage []StorageEntry
	Skipped []Skip
	// Notes are changes made on import that a user should know about,
	// such as a Keystone v2.0 URL rewritten to v3 or a missing secret.
	Notes []Note
}

// Skip is an entry left out, and why. It never holds a secret.
type Skip struct {
	Source string // the file and entry, as in Connection.Source
	Name   string // the entry's name as the file has it
	Reason string
}

// Note is something changed or missing in an imported entry; Source is
// that of its connection.
type Note struct {
	Source string
	Name   string // the entry's name as the file has it
	Text   string
}

// StorageEntry is a Cloudmesh storage section, kept for the files feature
// with its secrets apart from its settings, as in a Connection.
type StorageEntry struct {
	Name     string
	Kind     string // Cloudmesh's cm.kind: aws-s3, awss3, awsboto, awslibcloud, azureblob
	Settings map[string]string
	Secrets  map[string]string
	Active   bool
	Source   string
}

// File is one file's path and contents.
type File struct {
	Path string
	Data []byte
}

// Detect says which format data is, by its content, using the file's name
// only where contents look alike (secure.yaml and clouds.yaml, the two AWS files).
func Detect(path string, data []byte) (Format, error) {
	if err := check(data); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	f := sniff(filepath.Base(path), data)
	if f == "" {
		return "", fmt.Errorf("%s: %w", path, ErrUnknownFormat)
	}
	return f, nil
}

// Parse reads one file of any known format.
func Parse(path string, data []byte) (Result, error) {
	return ParseFiles(File{Path: path, Data: data})
}

// ParseFiles reads several files together, so that ~/.aws/credentials is
// merged with ~/.aws/config and clouds.yaml with secure.yaml, by profile
// or cloud name. Names are unique across the whole Result.
func ParseFiles(files ...File) (Result, error) {
	var r Result
	var awsCreds, awsConfig, clouds, secure *File
	for i := range files {
		f := &files[i]
		format, err := Detect(f.Path, f.Data)
		if err != nil {
			return Result{}, err
		}
		switch format {
		case FormatAWSCredentials:
			err = pair(&awsCreds, f, format)
		case FormatAWSConfig:
			err = pair(&awsConfig, f, format)
		case FormatCloudsYAML:
			err = pair(&clouds, f, format)
		case FormatSecureYAML:
			err = pair(&secure, f, format)
		case FormatOpenRC:
			err = parseOpenRC(&r, f)
		case FormatAzureSP:
			err = parseAzureSP(&r, f)
		case FormatCloudmesh:
			err = parseCloudmesh(&r, f)
		}
		if err != nil {
			return Result{}, err
		}
	}
	if awsCreds != nil || awsConfig != nil {
		if err := parseAWS(&r, awsCreds, awsConfig); err != nil {
			return Result{}, err
		}
	}
	if clouds != nil || secure != nil {
		if err := parseCloudsYAML(&r, clouds, secure); err != nil {
			return Result{}, err
		}
	}
	r.uniqueNames()
	return r, nil
}

// pair keeps the one file of a format that merges with another; two of
// them would leave unclear which profile of the same name wins.
func pair(slot **File, f *File, format Format) error {
	if *slot != nil {
		return fmt.Errorf("%s and %s are both %s files: import them one at a time", (*slot).Path, f.Path, format)
	}
	*slot = f
	return nil
}

func check(data []byte) error {
	switch {
	case len(data) > MaxFileSize:
		return ErrTooLarge
	case len(bytes.TrimSpace(data)) == 0:
		return ErrEmpty
	case bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data):
		return ErrBinary
	}
	return nil
}

func (r *Result) skip(source, name, reason string) {
	r.Skipped = append(r.Skipped, Skip{Source: source, Name: name, Reason: reason})
}

func (r *Result) note(source, name, text string) {
	r.Notes = append(r.Notes, Note{Source: source, Name: name, Text: text})
}
