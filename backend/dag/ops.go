package dag

// OpSpec describes an operation: the arguments its `with` block takes and
// the outputs it returns. Ops declare it; validation checks tasks against it
// now, and the canvas will build its forms from it.
type OpSpec struct {
	Name        string
	Description string
	Args        []ArgSpec
	// Outputs are the keys the op returns, which downstream templates may
	// reference. AnyOutputs means the op's outputs are user-defined (shell
	// writes what it likes to $MESHFLOW_OUTPUT) and cannot be checked.
	Outputs    []string
	AnyOutputs bool
	// InProcess means the op needs the engine in this process (trigger_dag
	// starts and waits on runs through it; wait holds a timer that only
	// costs anything here): its tries run on the default executor whatever
	// the task's queue, and validation warns of a queue on such a task.
	InProcess bool
}

// ArgType is the type of an op argument's value.
type ArgType string

const (
	ArgString   ArgType = "string"
	ArgInt      ArgType = "int"
	ArgBool     ArgType = "bool"
	ArgDuration ArgType = "duration" // a Go duration string such as "90s" or "1h30m"
	ArgList     ArgType = "list"     // a list of strings
	ArgMap      ArgType = "map"      // a string-keyed map
	ArgAny      ArgType = "any"
)

// ArgSpec describes one argument of an op.
type ArgSpec struct {
	Name        string
	Type        ArgType
	Required    bool
	Description string
	Enum        []string // allowed values of a string argument; empty: any
	// Shell says the op hands the value to a shell to parse (a command or
	// a script), so validation warns where a param or an output is pasted
	// into it without quote.
	Shell bool
}

// Catalog answers which ops exist. The app builds it explicitly from the
// ops it registers.
type Catalog interface {
	Op(name string) (OpSpec, bool)
	Names() []string // sorted, for "known ops are ..." messages
}
