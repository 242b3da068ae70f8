package dag

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// planDAG builds a DAG from "id:need,need" specs, in file order.
func planDAG(specs ...string) *DAG {
	d := &DAG{Name: "p"}
	for _, s := range specs {
		id, needs, _ := strings.Cut(s, ":")
		t := Task{ID: id, Op: "noop"}
		if needs != "" {
			t.Needs = strings.Split(needs, ",")
		}
		d.Tasks = append(d.Tasks, t)
	}
	return d
}

func TestPlanOrder(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  []string
	}{
		{"single", []string{"a"}, []string{"a"}},
		{"file order breaks ties", []string{"c", "b", "a"}, []string{"c", "b", "a"}},
		{"needs before file order", []string{"late:early", "early"}, []string{"early", "late"}},
		{"diamond", []string{"top", "l:top", "r:top", "bottom:l,r"}, []string{"top", "l", "r", "bottom"}},
		{"newly ready task earlier in the file goes first", []string{"a", "x:a", "b", "y:b"}, []string{"a", "x", "b", "y"}},
		{"duplicate needs collapse", []string{"a", "b:a,a"}, []string{"a", "b"}},
		{"empty", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(planDAG(tt.specs...))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Order(); !slices.Equal(got, tt.want) {
				t.Errorf("order %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanEdges(t *testing.T) {
	p, err := NewPlan(planDAG("top", "l:top", "r:top", "bottom:r,l", "side"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want []string
	}{
		{"upstream in needs order", p.Upstream("bottom"), []string{"r", "l"}},
		{"downstream in file order", p.Downstream("top"), []string{"l", "r"}},
		{"roots", p.Roots(), []string{"top", "side"}},
		{"descendants in plan order", p.Descendants("top"), []string{"l", "r", "bottom"}},
		{"no descendants", p.Descendants("bottom"), nil},
		{"unknown id", p.Upstream("nope"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if p.Len() != 5 || p.Index("bottom") != 3 || p.Index("nope") != -1 || p.ID(3) != "bottom" {
		t.Errorf("indexes: len %d, bottom at %d, nope at %d", p.Len(), p.Index("bottom"), p.Index("nope"))
	}
	if got := p.UpstreamIdx(3); !slices.Equal(got, []int{2, 1}) {
		t.Errorf("UpstreamIdx(3) = %v", got)
	}
	if got := p.DownstreamIdx(0); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("DownstreamIdx(0) = %v", got)
	}
	if got := append(p.UpstreamIdx(1), 99); p.UpstreamIdx(2)[0] != 0 || len(got) != 2 {
		t.Error("appending to a returned slice changed the plan")
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name   string
		specs  []string
		cyclic bool
		want   string
	}{
		{"cycle", []string{"start", "a:start,c", "b:a", "c:b"}, true, "a → b → c → a"},
		{"self", []string{"a:a"}, true, "a → a"},
		{"cycle behind a cycle-free task", []string{"x:y", "y:x", "z:x"}, true, "x → y → x"},
		{"unknown need", []string{"a:ghost"}, false, `task "a" needs unknown task "ghost"`},
		{"duplicate id", []string{"a", "a"}, false, `task id "a" is used twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(planDAG(tt.specs...))
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrCyclic) != tt.cyclic || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want cyclic=%v containing %q", err, tt.cyclic, tt.want)
			}
		})
	}
}

// layeredDAG is layers × width tasks; each task needs fanIn tasks of the
// layer before it.
func layeredDAG(layers, width, fanIn int) *DAG {
	d := &DAG{Name: "big", Tasks: make([]Task, 0, layers*width)}
	for l := range layers {
		for w := range width {
			t := Task{ID: fmt.Sprintf("t%d_%d", l, w), Op: "noop"}
			for k := 0; l > 0 && k < fanIn; k++ {
				t.Needs = append(t.Needs, fmt.Sprintf("t%d_%d", l-1, (w+k*7)%width))
			}
			d.Tasks = append(d.Tasks, t)
		}
	}
	return d
}

func TestPlanLayered(t *testing.T) {
	d := layeredDAG(100, 100, 3)
	p, err := NewPlan(d)
	if err != nil {
		t.Fatal(err)
	}
	pos := make(map[string]int, p.Len())
	for k, id := range p.Order() {
		pos[id] = k
	}
	for _, task := range d.Tasks {
		for _, need := range task.Needs {
			if pos[need] >= pos[task.ID] {
				t.Fatalf("%s runs before its upstream %s", task.ID, need)
			}
		}
	}
	if got := len(p.Descendants("t0_0")); got == 0 || got > 99*100 {
		t.Errorf("descendants of t0_0: %d", got)
	}
}

// BenchmarkNewPlan10k plans 100 layers of 100 tasks, each needing 3 tasks
// of the layer before (29,700 edges).
func BenchmarkNewPlan10k(b *testing.B) {
	d := layeredDAG(100, 100, 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPlan(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewPlan10kDense is the worst case of the same shape: every task
// needs all 100 of the layer before (990,000 edges).
func BenchmarkNewPlan10kDense(b *testing.B) {
	d := layeredDAG(100, 100, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPlan(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate10k(b *testing.B) {
	d := layeredDAG(100, 100, 3)
	ops := newTestCatalog()
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(d, ops); err != nil {
			b.Fatal(err)
		}
	}
}
