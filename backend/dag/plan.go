package dag

import (
	"fmt"
	"slices"
	"strings"
)

// Plan is the execution order of a DAG's tasks and the edges between them.
// Tasks are numbered by their place in the file (index i is d.Tasks[i]),
// so an engine can keep per-task state such as in-degree counters in
// slices. A Plan is immutable and safe for concurrent use; the []int
// slices it returns are shared and must not be modified.
type Plan struct {
	ids    []string
	index  map[string]int
	up     csr // up[i]: the tasks i needs, in needs order, duplicates dropped
	down   csr // down[i]: the tasks that need i, in file order
	order  []int
	roots  []int
	idList []string // ids in plan order, built once for Order
}

// csr stores adjacency lists in one flat slice (compressed sparse rows):
// two allocations instead of one per task, which matters at 10,000 tasks.
type csr struct {
	off  []int // row i is flat[off[i]:off[i+1]]
	flat []int
}

func (c csr) row(i int) []int { return c.flat[c.off[i]:c.off[i+1]:c.off[i+1]] }

// NewPlan orders the tasks topologically: Kahn's algorithm, taking among
// ready tasks the one earliest in the file, so the order is stable across
// loads. It fails on duplicate ids, needs naming unknown tasks, and cycles
// (ErrCyclic, wrapped with the path). Validate reports the same problems
// with positions; NewPlan stays strict so an engine never runs a bad graph.
func NewPlan(d *DAG) (*Plan, error) {
	p := &Plan{ids: make([]string, len(d.Tasks)), index: make(map[string]int, len(d.Tasks))}
	for i, t := range d.Tasks {
		if _, dup := p.index[t.ID]; dup {
			return nil, fmt.Errorf("dag: plan %s: task id %s is used twice", excerpt(d.Name), excerpt(t.ID))
		}
		p.ids[i], p.index[t.ID] = t.ID, i
	}
	if err := p.link(d); err != nil {
		return nil, err
	}
	p.order = p.kahn()
	if len(p.order) < len(p.ids) {
		return nil, fmt.Errorf("dag: plan %s: %w: %s", excerpt(d.Name), ErrCyclic, p.cyclePath())
	}
	p.idList = make([]string, len(p.order))
	for k, i := range p.order {
		p.idList[k] = p.ids[i]
	}
	return p, nil
}

// link builds the upstream and downstream lists from the tasks' needs.
func (p *Plan) link(d *DAG) error {
	n, edges := len(d.Tasks), 0
	for _, t := range d.Tasks {
		edges += len(t.Needs)
	}
	p.up = csr{off: make([]int, n+1), flat: make([]int, 0, edges)}
	stamp := make([]int, n) // stamp[j] == i+1: task i already needs j
	for i, t := range d.Tasks {
		for _, need := range t.Needs {
			j, ok := p.index[need]
			if !ok {
				return fmt.Errorf("dag: plan %s: task %s needs unknown task %s", excerpt(d.Name), excerpt(t.ID), excerpt(need))
			}
			if stamp[j] != i+1 {
				stamp[j] = i + 1
				p.up.flat = append(p.up.flat, j)
			}
		}
		p.up.off[i+1] = len(p.up.flat)
	}
	p.down = p.up.transpose()
	return nil
}

// transpose reverses every edge; rows come out in ascending order.
func (c csr) transpose() csr {
	n := len(c.off) - 1
	t := csr{off: make([]int, n+1), flat: make([]int, len(c.flat))}
	for _, j := range c.flat {
		t.off[j+1]++
	}
	for j := range n {
		t.off[j+1] += t.off[j]
	}
	fill := slices.Clone(t.off[:n])
	for i := range n {
		for _, j := range c.row(i) {
			t.flat[fill[j]] = i
			fill[j]++
		}
	}
	return t
}

// kahn returns the topological order; shorter than the task count when
// some tasks sit on or behind a cycle.
func (p *Plan) kahn() []int {
	n := len(p.ids)
	indeg := make([]int, n)
	var ready minHeap
	for i := range n {
		indeg[i] = len(p.up.row(i))
		if indeg[i] == 0 {
			p.roots = append(p.roots, i)
			ready = append(ready, i) // ascending, so already a heap
		}
	}
	order := make([]int, 0, n)
	for len(ready) > 0 {
		i := ready.pop()
		order = append(order, i)
		for _, j := range p.down.row(i) {
			if indeg[j]--; indeg[j] == 0 {
				ready.push(j)
			}
		}
	}
	return order
}

// cyclePath formats one cycle as "a → b → c → a".
func (p *Plan) cyclePath() string {
	g := graph{down: make([][]int, len(p.ids))}
	for i := range p.ids {
		g.down[i] = p.down.row(i)
	}
	if cycles := g.cycles(); len(cycles) > 0 {
		return formatCycle(cycles[0], p.ids)
	}
	// Only self-dependencies remain; they are not components.
	for i := range p.ids {
		if slices.Contains(p.up.row(i), i) {
			return cut(p.ids[i], maxShownLength) + " → " + cut(p.ids[i], maxShownLength)
		}
	}
	return "(cycle not found)"
}

// maxCycleShown is how many tasks of a cycle a message names: enough to
// find the loop in the file, not 10,000 ids in one line.
const maxCycleShown = 8

// formatCycle writes "a → b → c → a", or for a long cycle its first tasks,
// how many are left out, and its last task.
func formatCycle(cycle []int, ids []string) string {
	name := func(i int) string { return cut(ids[i], maxShownLength) }
	parts := make([]string, 0, maxCycleShown+2)
	for k, i := range cycle {
		if len(cycle) > maxCycleShown && k == maxCycleShown-1 {
			parts = append(parts, fmt.Sprintf("… %d more …", len(cycle)-maxCycleShown), name(cycle[len(cycle)-1]))
			break
		}
		parts = append(parts, name(i))
	}
	return strings.Join(append(parts, name(cycle[0])), " → ")
}

// Len is the number of tasks.
func (p *Plan) Len() int { return len(p.ids) }

// Index returns the index of the task with this id, or -1.
func (p *Plan) Index(id string) int {
	if i, ok := p.index[id]; ok {
		return i
	}
	return -1
}

// ID returns the id of task i.
func (p *Plan) ID(i int) string { return p.ids[i] }

// Order returns the task ids in execution order.
func (p *Plan) Order() []string { return slices.Clone(p.idList) }

// OrderIdx returns the task indexes in execution order (shared).
func (p *Plan) OrderIdx() []int { return p.order[:len(p.order):len(p.order)] }

// UpstreamIdx returns the tasks task i needs (shared).
func (p *Plan) UpstreamIdx(i int) []int { return p.up.row(i) }

// DownstreamIdx returns the tasks that need task i, in file order (shared).
func (p *Plan) DownstreamIdx(i int) []int { return p.down.row(i) }

// Upstream returns the ids the task needs; nil for an unknown id.
func (p *Plan) Upstream(id string) []string { return p.names(p.rowOf(id, p.up)) }

// Downstream returns the ids of the tasks that need this one; nil for an
// unknown id.
func (p *Plan) Downstream(id string) []string { return p.names(p.rowOf(id, p.down)) }

// Roots returns the tasks that need nothing, in file order.
func (p *Plan) Roots() []string { return p.names(p.roots) }

// Descendants returns every task downstream of id, directly or not, in
// execution order: what "clear this task and its downstream" reruns.
func (p *Plan) Descendants(id string) []string {
	start, ok := p.index[id]
	if !ok {
		return nil
	}
	marked := make([]bool, len(p.ids))
	stack := []int{start}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range p.down.row(i) {
			if !marked[j] {
				marked[j] = true
				stack = append(stack, j)
			}
		}
	}
	var out []string
	for _, i := range p.order {
		if marked[i] {
			out = append(out, p.ids[i])
		}
	}
	return out
}

func (p *Plan) rowOf(id string, c csr) []int {
	if i, ok := p.index[id]; ok {
		return c.row(i)
	}
	return nil
}

func (p *Plan) names(idx []int) []string {
	if idx == nil {
		return nil
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = p.ids[i]
	}
	return out
}

// minHeap is a binary heap of task indexes; container/heap's interface
// calls cost more than the whole sort at 10,000 tasks.
type minHeap []int

func (h *minHeap) push(v int) {
	*h = append(*h, v)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if s[parent] <= s[i] {
			break
		}
		s[parent], s[i] = s[i], s[parent]
		i = parent
	}
}

func (h *minHeap) pop() int {
	s := *h
	top, last := s[0], len(s)-1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s[l] < s[small] {
			small = l
		}
		if r < len(s) && s[r] < s[small] {
			small = r
		}
		if small == i {
			break
		}
		s[i], s[small] = s[small], s[i]
		i = small
	}
	*h = s
	return top
}
