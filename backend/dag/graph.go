package dag

import "slices"

// graph is the task graph by index (file order): down[i] are the tasks
// that need task i. Both NewPlan and Validate build one.
type graph struct {
	down [][]int
}

// cycles returns one cycle per group of mutually dependent tasks, each as
// indexes in dependency order starting (and, implicitly, ending) at its
// task earliest in the file; groups are ordered by that task. One per
// group, because a user breaks a tangle once, not once per loop in it.
func (g graph) cycles() [][]int {
	var out [][]int
	for _, comp := range g.components() {
		start := slices.Min(comp)
		out = append(out, g.shortestCycle(start, comp))
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// components finds the strongly connected components with more than one
// task (Tarjan's algorithm, iterative so a 10,000-task chain cannot
// overflow the stack).
func (g graph) components() [][]int {
	t := tarjan{g: g, index: make([]int, len(g.down)), low: make([]int, len(g.down)), onStack: make([]bool, len(g.down))}
	for v := range g.down {
		if t.index[v] == 0 {
			t.visit(v)
		}
	}
	return t.out
}

type tarjan struct {
	g          graph
	index, low []int // index 0 means not visited yet
	onStack    []bool
	stack      []int
	counter    int
	out        [][]int
}

type tarjanFrame struct{ v, next int }

func (t *tarjan) enter(v int) {
	t.counter++
	t.index[v], t.low[v] = t.counter, t.counter
	t.stack = append(t.stack, v)
	t.onStack[v] = true
}

func (t *tarjan) visit(root int) {
	t.enter(root)
	call := []tarjanFrame{{v: root}}
	for len(call) > 0 {
		f := &call[len(call)-1]
		if f.next < len(t.g.down[f.v]) {
			w := t.g.down[f.v][f.next]
			f.next++
			switch {
			case t.index[w] == 0:
				t.enter(w)
				call = append(call, tarjanFrame{v: w})
			case t.onStack[w]:
				t.low[f.v] = min(t.low[f.v], t.index[w])
			}
			continue
		}
		v := f.v
		call = call[:len(call)-1]
		if len(call) > 0 {
			parent := call[len(call)-1].v
			t.low[parent] = min(t.low[parent], t.low[v])
		}
		if t.low[v] == t.index[v] {
			t.pop(v)
		}
	}
}

// pop removes v's component from the stack, keeping it if it is a cycle.
func (t *tarjan) pop(v int) {
	var comp []int
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[w] = false
		comp = append(comp, w)
		if w == v {
			break
		}
	}
	if len(comp) > 1 {
		t.out = append(t.out, comp)
	}
}

// shortestCycle finds, by breadth-first search inside one component, the
// shortest loop through start: the easiest one for a reader to follow.
func (g graph) shortestCycle(start int, comp []int) []int {
	in := make(map[int]bool, len(comp))
	for _, v := range comp {
		in[v] = true
	}
	prev := map[int]int{start: -1}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.down[v] {
			if w == start {
				return walkBack(prev, v)
			}
			if _, seen := prev[w]; !seen && in[w] {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []int{start} // unreachable for a real component
}

// walkBack follows prev from end to the search's start and returns the
// path start first.
func walkBack(prev map[int]int, end int) []int {
	var path []int
	for v := end; v != -1; v = prev[v] {
		path = append(path, v)
	}
	slices.Reverse(path)
	return path
}
