// Package dagdir owns the DAG folder: it loads and validates every YAML
// file in it, keeps the last good version of a file that becomes invalid
// (so a typo never stops a working DAG), and watches the folder so that
// edits apply within a second.
package dagdir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// Entry is one DAG file and what became of it.
type Entry struct {
	File   string   // path of the YAML file
	Name   string   // the DAG's name; the file's base name while it never parsed
	DAG    *dag.DAG // the last version that was valid; nil if none ever was
	Source []byte   // the YAML of that version
	Err    error    // what is wrong with the file now; nil when it is valid

	read []byte // the file's content when last read, valid or not
}

// Stale reports whether the entry runs an older version than the file
// holds, because the file's current content is invalid.
func (e *Entry) Stale() bool { return e.Err != nil && e.DAG != nil }

// Dir is the DAG folder.
type Dir struct {
	path    string
	catalog dag.Catalog

	loading sync.Mutex // one Load at a time; held while files are read

	mu     sync.RWMutex // guards byFile; never held while reading a file
	byFile map[string]*Entry
}

// New returns the folder at path; Load reads it.
func New(path string, catalog dag.Catalog) *Dir {
	return &Dir{path: path, catalog: catalog, byFile: map[string]*Entry{}}
}

// Path is the folder's location.
func (d *Dir) Path() string { return d.path }

// LoadFile parses and validates one file. It refuses, without blocking,
// a file that is not a regular file or is larger than MaxFileSize.
func LoadFile(path string, catalog dag.Catalog) (*dag.DAG, []byte, error) {
	src, err := readFile(path)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := dag.Load(path, src, catalog)
	if err != nil {
		return nil, src, err
	}
	return parsed, src, nil
}

// loaded is what one read of a file found, before it is applied.
type loaded struct {
	file    string
	parsed  *dag.DAG
	src     []byte
	err     error
	same    bool // the content is what the entry already holds
	refused bool // valid, but its name is another file's
}

// Load reads every YAML file in the folder, and forgets files that are
// gone. It reports whether anything changed. The files are read and parsed
// without holding the lock that List and Get take, so a slow file system
// delays only this reload, never the pages and commands that look.
func (d *Dir) Load() (bool, error) {
	d.loading.Lock()
	defer d.loading.Unlock()
	files, err := yamlFiles(d.path)
	if err != nil {
		return false, fmt.Errorf("dag folder: %w", err)
	}
	// Only Load changes byFile and loading is held: this snapshot stays
	// true while the files are read.
	d.mu.RLock()
	last := make(map[string][]byte, len(d.byFile))
	for f, e := range d.byFile {
		last[f] = e.read
	}
	d.mu.RUnlock()
	seen := map[string]bool{}
	for _, f := range files {
		seen[f] = true
	}
	results := make([]loaded, 0, len(files))
	for _, f := range files {
		results = append(results, readOne(f, last, d.catalog))
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	changed := false
	for f := range d.byFile {
		if !seen[f] {
			delete(d.byFile, f)
			changed = true
		}
	}
	d.refuseDuplicates(results)
	for _, r := range results {
		if d.apply(r) {
			changed = true
		}
	}
	return changed, nil
}

// readOne reads one file, and parses it unless it holds what was read
// last time.
func readOne(file string, last map[string][]byte, catalog dag.Catalog) loaded {
	src, err := readFile(file)
	if err != nil {
		return loaded{file: file, err: err}
	}
	if prev, ok := last[file]; ok && prev != nil && bytes.Equal(src, prev) {
		return loaded{file: file, src: src, same: true}
	}
	parsed, err := dag.Load(file, src, catalog)
	return loaded{file: file, parsed: parsed, src: src, err: err}
}

// refuseDuplicates turns each new version that claims a name another file
// holds into an error, as an invalid edit: the file keeps running its last
// good version, if it has one. A name stays with the file that holds it, so
// adding a file never takes a DAG away from the one that runs it; among
// newcomers, the first by path wins.
func (d *Dir) refuseDuplicates(results []loaded) {
	holder := map[string]string{}
	for _, e := range d.byFile {
		if e.DAG != nil {
			holder[e.Name] = e.File
		}
	}
	// A file whose new version renames its DAG lets the old name go.
	for _, r := range results {
		if e := d.byFile[r.file]; r.parsed != nil && e != nil && e.DAG != nil && e.Name != r.parsed.Name {
			delete(holder, e.Name)
		}
	}
	for i := range results { // results are sorted by path
		r := &results[i]
		if r.parsed == nil {
			continue
		}
		if first, taken := holder[r.parsed.Name]; taken && first != r.file {
			r.err = fmt.Errorf("%s: DAG name %q is already used by %s: rename one of them", r.file, r.parsed.Name, first)
			r.parsed, r.refused = nil, true
			if e := d.byFile[r.file]; e != nil && e.DAG != nil {
				holder[e.Name] = r.file // it keeps its last good version
			}
			continue
		}
		holder[r.parsed.Name] = r.file
	}
}

// apply records what reading one file found; it reports whether its entry
// changed.
func (d *Dir) apply(r loaded) bool {
	if r.same {
		return false
	}
	old := d.byFile[r.file]
	e := &Entry{File: r.file, Name: strings.TrimSuffix(filepath.Base(r.file), filepath.Ext(r.file)), Err: r.err, read: r.src}
	if r.refused {
		// Read it again next time: the name it wants may be free by then.
		e.read = nil
	}
	if old != nil {
		e.Name, e.DAG, e.Source = old.Name, old.DAG, old.Source
	}
	if r.err == nil {
		e.Name, e.DAG, e.Source = r.parsed.Name, r.parsed, r.src
	}
	d.byFile[r.file] = e
	return old == nil || old.Name != e.Name || old.DAG != e.DAG || errText(old.Err) != errText(e.Err)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// List returns every entry, sorted by name.
func (d *Dir) List() []*Entry {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.sorted()
}

func (d *Dir) sorted() []*Entry {
	out := make([]*Entry, 0, len(d.byFile))
	for _, e := range d.byFile {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Entry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.File, b.File)
	})
	return out
}

// ErrUnknownDAG is returned for a name no valid file defines.
var ErrUnknownDAG = errors.New("no such DAG")

// Get returns the runnable version of the named DAG.
func (d *Dir) Get(name string) (*Entry, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var names []string
	for _, e := range d.byFile {
		if e.Name == name && e.DAG != nil {
			return e, nil
		}
		if e.DAG != nil {
			names = append(names, e.Name)
		}
	}
	return nil, fmt.Errorf("%w %s in %s (%s)", ErrUnknownDAG, model.Quote(name), d.path, known(names))
}

// maxKnown bounds how many DAG names an error lists.
const maxKnown = 10

// known lists the first names, sorted, for a message.
func known(names []string) string {
	if len(names) == 0 {
		return "it holds no valid DAG"
	}
	slices.Sort(names)
	more := ""
	if len(names) > maxKnown {
		more = fmt.Sprintf(" and %d more", len(names)-maxKnown)
		names = names[:maxKnown]
	}
	return "known: " + strings.Join(names, ", ") + more
}

// DAGs returns the runnable DAGs, for the scheduler.
func (d *Dir) DAGs() []*dag.DAG {
	var out []*dag.DAG
	for _, e := range d.List() {
		if e.DAG != nil {
			out = append(out, e.DAG)
		}
	}
	return out
}

func yamlFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}
