package ssl

import "fmt"

// Option is one Erlang ssl or socket option: Name is the Erlang option name
// ("verify", "certfile", "active", ...) and Value the Go value documented on
// the option's constructor. Options can be written by hand or read from
// configuration; the constructors give type safety.
type Option struct {
	Name  string
	Value any
}

// String renders the option as the Erlang tuple {Name, Value}.
func (o Option) String() string { return fmt.Sprintf("{%s,%v}", o.Name, o.Value) }

// OptionError reports an invalid option or an invalid combination of
// options (Erlang's {options, {Name, Value}}).
type OptionError struct {
	Name   string
	Value  any
	Reason string
}

func (e *OptionError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("ssl: invalid option {%s,%v}", e.Name, e.Value)
	}
	return fmt.Sprintf("ssl: invalid option {%s,%v}: %s", e.Name, e.Value, e.Reason)
}

// Term renders the error as the Erlang term {options,{Name,Value}}.
func (e *OptionError) Term() string { return fmt.Sprintf("{options,{%s,%v}}", e.Name, e.Value) }
