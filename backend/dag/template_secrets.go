package dag

import (
	"slices"
	"strings"
	"text/template/parse"
)

// SecretNames lists the secrets the DAG's templates name — in task
// arguments, `when` conditions and DAG vars — sorted, each once. Only
// names written as string literals are found ({{ secret "token" }} or
// {{ "token" | secret }}); validation refuses any other. The engine
// resolves these when a run starts so that every task log, error and
// output of the run is masked with all of them, not just with the ones
// the task itself used.
func SecretNames(d *DAG) []string {
	var names []string
	add := func(text string) {
		if !strings.Contains(text, "{{") {
			return
		}
		ct := cache.get(text)
		if ct.err != nil || !ct.secrets {
			return
		}
		for _, sub := range ct.tmpl.Templates() {
			if sub.Tree != nil {
				secretNamesIn(sub.Root, &names)
			}
		}
	}
	for i := range d.Tasks {
		eachString(d.Tasks[i].With, add)
		add(d.Tasks[i].When)
	}
	for _, v := range d.Vars {
		add(v.Value)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// eachString calls fn with every string in an argument value.
func eachString(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case map[string]any:
		for _, x := range v {
			eachString(x, fn)
		}
	case []any:
		for _, x := range v {
			eachString(x, fn)
		}
	}
}

// secretNamesIn collects the literal names passed to secret anywhere in n.
func secretNamesIn(n parse.Node, names *[]string) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			secretNamesIn(c, names)
		}
	case *parse.ActionNode:
		secretNamesIn(n.Pipe, names)
	case *parse.TemplateNode:
		secretNamesIn(n.Pipe, names)
	case *parse.IfNode:
		secretNamesInBranch(&n.BranchNode, names)
	case *parse.RangeNode:
		secretNamesInBranch(&n.BranchNode, names)
	case *parse.WithNode:
		secretNamesInBranch(&n.BranchNode, names)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for i, c := range n.Cmds {
			if name, ok := pipedSecretName(n.Cmds, i); ok {
				*names = append(*names, name)
			}
			secretNamesIn(c, names)
		}
	case *parse.CommandNode:
		if len(n.Args) == 2 && isIdent(n.Args[0], "secret") {
			if s, ok := n.Args[1].(*parse.StringNode); ok {
				*names = append(*names, s.Text)
			}
		}
		for _, a := range n.Args {
			secretNamesIn(a, names)
		}
	case *parse.ChainNode:
		secretNamesIn(n.Node, names)
	}
}

func secretNamesInBranch(b *parse.BranchNode, names *[]string) {
	secretNamesIn(b.Pipe, names)
	secretNamesIn(b.List, names)
	secretNamesIn(b.ElseList, names)
}

// pipedSecretName reads {{ "token" | secret }}: command i is a bare secret
// fed by a command that is one string literal.
func pipedSecretName(cmds []*parse.CommandNode, i int) (string, bool) {
	if i == 0 || len(cmds[i].Args) != 1 || !isIdent(cmds[i].Args[0], "secret") || len(cmds[i-1].Args) != 1 {
		return "", false
	}
	s, ok := cmds[i-1].Args[0].(*parse.StringNode)
	if !ok {
		return "", false
	}
	return s.Text, true
}

func isIdent(n parse.Node, name string) bool {
	id, ok := n.(*parse.IdentifierNode)
	return ok && id.Ident == name
}
