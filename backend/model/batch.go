package model

// Batch is a set of run state changes written together, in one
// transaction: the engine's journal hands one to the store per commit.
type Batch struct {
	Runs  []Run     // state, started_at, ended_at and error are written
	Tasks []TaskRun // every field is written, MaxTries too (a clear raises it)
	Tries []TaskRun // finished tries, appended to the history
}

// Empty reports whether the batch has nothing to write.
func (b *Batch) Empty() bool { return len(b.Runs)+len(b.Tasks)+len(b.Tries) == 0 }
