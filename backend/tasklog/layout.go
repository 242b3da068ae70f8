package tasklog

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Dir is the root folder of the task logs: the data dir's logs/. It is the
// local log store; the executor writes through Create and the UI and CLI
// read through Tail, Files and Follow, so a remote store (a worker's logs
// shipped elsewhere) can stand in for it behind the same methods.
type Dir string

// Key names the log of one try of one task of one run.
type Key struct {
	DAG   string
	RunID int64
	Task  string
	Try   int
}

// Name is how a try's log is labelled for people: "<task>.<try>".
func (k Key) Name() string { return k.Task + "." + strconv.Itoa(k.Try) }

// path is where the log of k is kept: logs/<dag>/<run id>/<task>.<try>.log.
func (d Dir) path(k Key) string {
	return filepath.Join(d.runDir(k.DAG, k.RunID), k.Name()+".log")
}

// runDir is the folder of one run's logs.
func (d Dir) runDir(dagName string, runID int64) string {
	return filepath.Join(string(d), dagName, strconv.FormatInt(runID, 10))
}

// Create returns k's log, masking m's secrets; the file is made on the
// first line.
func (d Dir) Create(k Key, m *Masker) *Log {
	return NewLog(d.path(k), m)
}

// Files lists the tries of a run that have a log, by task then try; only
// task's when task is not empty.
func (d Dir) Files(dagName string, runID int64, task string) []Key {
	entries, _ := os.ReadDir(d.runDir(dagName, runID))
	var out []Key
	for _, e := range entries {
		id, try, ok := splitName(e.Name())
		if !ok || !e.Type().IsRegular() || (task != "" && id != task) {
			continue
		}
		out = append(out, Key{DAG: dagName, RunID: runID, Task: id, Try: try})
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := strings.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		return a.Try - b.Try
	})
	return out
}

// splitName splits "<task>.<try>.log" into the task and the try. Task ids
// may contain dots, so the try is what follows the last one.
func splitName(name string) (task string, try int, ok bool) {
	base, isLog := strings.CutSuffix(name, ".log")
	i := strings.LastIndexByte(base, '.')
	if !isLog || i <= 0 {
		return "", 0, false
	}
	try, err := strconv.Atoi(base[i+1:])
	if err != nil || try < 1 {
		return "", 0, false
	}
	return base[:i], try, true
}
