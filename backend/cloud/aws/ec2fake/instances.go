package ec2fake

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The instance states and codes of the EC2 API reference (InstanceState).
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateStopping     = "stopping"
	stateStopped      = "stopped"
)

var stateCodes = map[string]int{
	statePending: 0, stateRunning: 16, stateShuttingDown: 32,
	stateTerminated: 48, stateStopping: 64, stateStopped: 80,
}

type instance struct {
	id, reservationID, imageID, instanceType, keyName string
	subnetID, vpcID, zone, privateIP, publicIP        string
	autoPublicIP, hibernation                         bool
	groups                                            []groupItem
	tags                                              []tagItem
	clientToken                                       string
	launchTime, since                                 time.Time
	state, reason, reasonCode, reasonMessage          string
	booted                                            bool // has reached running once: it has a console log
}

// launch is one RunInstances call under a ClientToken: what it asked for
// and the reservation it made, for the retries that come with the token.
type launch struct {
	params    string
	instances []*instance
}

// advance moves every instance along its transitions by the clock, and
// forgets terminated ones older than TerminatedTTL.
func (s *Server) advance() {
	now := s.opts.Clock()
	for id, in := range s.instances {
		step := func(from, to string, d time.Duration) {
			if in.state == from && now.Sub(in.since) >= d {
				in.state, in.since = to, in.since.Add(d)
			}
		}
		step(statePending, stateRunning, s.opts.BootTime)
		step(stateStopping, stateStopped, s.opts.StopTime)
		step(stateShuttingDown, stateTerminated, s.opts.TerminateTime)
		if in.state == stateRunning {
			in.booted = true
		}
		if in.state == stateTerminated && now.Sub(in.since) >= s.opts.TerminatedTTL {
			delete(s.instances, id)
		}
	}
}

// Seed adds n running instances, as if launched one by one earlier, and
// returns their ids.
func (s *Server) Seed(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subnets[defaultSubnet]
	ids := make([]string, n)
	for i := range ids {
		in := s.newInstance(s.images[0].ID, "t3.micro", "", sub, []groupItem{s.defaultGroup(sub.vpcID)}, true)
		in.tags = []tagItem{{Key: "Name", Value: fmt.Sprintf("seed-%d", i+1)}}
		in.state, in.booted = stateRunning, true
		ids[i] = in.id
	}
	return ids
}

func (s *Server) newInstance(image, itype, key string, sub *subnet, groups []groupItem, public bool) *instance {
	now := s.opts.Clock()
	in := &instance{
		id: s.newID("i"), reservationID: s.newID("r"), imageID: image, instanceType: itype, keyName: key,
		subnetID: sub.id, vpcID: sub.vpcID, zone: sub.zone, groups: groups, autoPublicIP: public,
		launchTime: now, since: now, state: statePending,
	}
	in.privateIP = fmt.Sprintf("172.31.%d.%d", (s.seq>>8)&0xff, s.seq&0xff)
	if public {
		in.publicIP = s.newPublicIP()
	}
	s.instances[in.id] = in
	return in
}

func (s *Server) newPublicIP() string {
	s.seq++
	return fmt.Sprintf("3.%d.%d.%d", (s.seq>>16)&0xff, (s.seq>>8)&0xff, s.seq&0xff)
}

var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)

// lookup finds instances by id, failing as EC2 does on the first
// malformed id or naming every unknown one.
func (s *Server) lookup(ids []string) ([]*instance, error) {
	var found []*instance
	var missing []string
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, clientError("InvalidInstanceID.Malformed", "Invalid id: %q", id)
		}
		in, ok := s.instances[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		found = append(found, in)
	}
	switch len(missing) {
	case 0:
		return found, nil
	case 1:
		return nil, clientError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	default:
		return nil, clientError("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
}

func (s *Server) describeInstances(f form) (any, error) {
	ids := f.list("InstanceId")
	if len(ids) > 0 && f.get("MaxResults") != "" {
		return nil, clientError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	max, err := f.maxResults(5, 1000)
	if err != nil {
		return nil, err
	}
	var pool []*instance
	if len(ids) > 0 {
		if pool, err = s.lookup(ids); err != nil {
			return nil, err
		}
	} else {
		for _, in := range s.instances {
			pool = append(pool, in)
		}
	}
	filters := f.filters()
	var selected []*instance
	for _, in := range pool {
		ok, err := in.matches(filters)
		if err != nil {
			return nil, err
		}
		if ok {
			selected = append(selected, in)
		}
	}
	sort.Slice(selected, func(i, j int) bool { return selected[i].id < selected[j].id })
	pg, next, err := page(selected, func(in *instance) string { return in.id }, f.get("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := &describeInstancesResponse{NextToken: next}
	for _, in := range pg {
		n := len(out.Reservations)
		if n == 0 || out.Reservations[n-1].ReservationID != in.reservationID {
			out.Reservations = append(out.Reservations, reservationXML{ReservationID: in.reservationID, OwnerID: s.opts.AccountID})
			n++
		}
		out.Reservations[n-1].Instances = append(out.Reservations[n-1].Instances, in.xml())
	}
	return out, nil
}

// matches applies DescribeInstances filters: values of one filter are
// ORed, filters ANDed.
func (in *instance) matches(filters map[string][]string) (bool, error) {
	for name, values := range filters {
		var v []string
		switch {
		case name == "instance-state-name":
			v = []string{in.state}
		case name == "instance-state-code":
			v = []string{strconv.Itoa(stateCodes[in.state])}
		case name == "instance-id":
			v = []string{in.id}
		case name == "client-token":
			v = []string{in.clientToken}
		case name == "instance-type":
			v = []string{in.instanceType}
		case name == "vpc-id":
			v = []string{in.vpcID}
		case name == "subnet-id":
			v = []string{in.subnetID}
		case name == "tag-key":
			for _, t := range in.tags {
				v = append(v, t.Key)
			}
		case strings.HasPrefix(name, "tag:"):
			for _, t := range in.tags {
				if t.Key == strings.TrimPrefix(name, "tag:") {
					v = append(v, t.Value)
				}
			}
		default:
			return false, clientError("InvalidParameterValue", "The filter '%s' is invalid", name)
		}
		hit := false
		for _, x := range v {
			hit = hit || matchAny(x, values)
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

func (s *Server) runInstances(f form) (any, error) {
	token := f.get("ClientToken")
	if len(token) > 64 {
		return nil, clientError("InvalidParameterValue", "Value (%s) for parameter clientToken is invalid. Client tokens are at most 64 characters.", token)
	}
	params := f.canonical("ClientToken")
	if l, ok := s.tokens[token]; ok && token != "" {
		if l.params != params {
			return nil, clientError("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
		}
		return s.reservation(l.instances), nil
	}
	spec, err := s.launchSpec(f)
	if err != nil {
		return nil, err
	}
	l := &launch{params: params}
	rid := s.newID("r")
	for range spec.count {
		in := s.newInstance(spec.image, spec.itype, spec.key, spec.subnet, spec.groups, spec.public)
		in.reservationID, in.clientToken, in.tags, in.hibernation = rid, token, spec.tags, spec.hibernation
		l.instances = append(l.instances, in)
	}
	if token != "" {
		s.tokens[token] = l
	}
	return s.reservation(l.instances), nil
}

func (s *Server) reservation(ins []*instance) *runInstancesResponse {
	out := &runInstancesResponse{reservationXML: reservationXML{ReservationID: ins[0].reservationID, OwnerID: s.opts.AccountID}}
	for _, in := range ins {
		out.Instances = append(out.Instances, in.xml())
	}
	return out
}

// transition is what Start/Stop/Terminate do to one instance: the state
// it goes to, or an error naming why it cannot.
type transition func(in *instance) (next string, err error)

// change checks every instance can make the transition before changing
// any, as EC2 refuses a whole request for one instance in the wrong state.
func (s *Server) change(f form, t transition, apply func(in *instance, next string)) (any, error) {
	ins, err := s.lookup(f.list("InstanceId"))
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, clientError("MissingParameter", "The request must contain the parameter InstanceId")
	}
	nexts := make([]string, len(ins))
	for i, in := range ins {
		if nexts[i], err = t(in); err != nil {
			return nil, err
		}
	}
	out := &stateChangeResponse{}
	for i, in := range ins {
		prev := in.state
		if nexts[i] != prev {
			in.since = s.opts.Clock()
			apply(in, nexts[i])
			in.state = nexts[i]
		}
		out.Instances = append(out.Instances, stateChangeXML{
			InstanceID: in.id, Current: stateXML{stateCodes[in.state], in.state}, Previous: stateXML{stateCodes[prev], prev},
		})
	}
	return out, nil
}

func incorrectState(in *instance, verb string) error {
	return clientError("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", in.id, verb)
}

func (s *Server) startInstances(f form) (any, error) {
	return s.change(f, func(in *instance) (string, error) {
		switch in.state {
		case stateStopped:
			return statePending, nil
		case statePending, stateRunning:
			return in.state, nil
		}
		return "", incorrectState(in, "started")
	}, func(in *instance, _ string) {
		in.launchTime, in.reason, in.reasonCode, in.reasonMessage = s.opts.Clock(), "", "", ""
		if in.autoPublicIP && in.publicIP == "" {
			in.publicIP = s.newPublicIP()
		}
	})
}

func (s *Server) stopInstances(f form) (any, error) {
	hibernate := f.get("Hibernate") == "true"
	return s.change(f, func(in *instance) (string, error) {
		switch in.state {
		case stateRunning:
			if hibernate && !in.hibernation {
				return "", clientError("UnsupportedHibernationConfiguration", "The instance '%s' does not have hibernation configured. You can hibernate an instance only if hibernation was enabled when it was launched.", in.id)
			}
			return stateStopping, nil
		case stateStopping, stateStopped:
			return in.state, nil
		}
		return "", incorrectState(in, "stopped")
	}, func(in *instance, _ string) {
		in.reasonCode, in.reasonMessage = "Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"
		if hibernate {
			in.reasonCode, in.reasonMessage = "Client.UserInitiatedHibernate", "Client.UserInitiatedHibernate: User initiated hibernate"
		}
		in.reason = "User initiated (" + s.opts.Clock().UTC().Format("2006-01-02 15:04:05 GMT") + ")"
		if s.addressOf(in.id) == nil {
			in.publicIP = "" // an auto-assigned public address is released on stop; an Elastic IP stays
		}
	})
}

func (s *Server) terminateInstances(f form) (any, error) {
	return s.change(f, func(in *instance) (string, error) {
		if in.state == stateShuttingDown || in.state == stateTerminated {
			return in.state, nil
		}
		return stateShuttingDown, nil
	}, func(in *instance, _ string) {
		in.reasonCode, in.reasonMessage = "Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"
		in.reason = "User initiated (" + s.opts.Clock().UTC().Format("2006-01-02 15:04:05 GMT") + ")"
		in.publicIP = ""
		if a := s.addressOf(in.id); a != nil {
			a.instanceID, a.associationID = "", ""
		}
	})
}

func (s *Server) rebootInstances(f form) (any, error) {
	ins, err := s.lookup(f.list("InstanceId"))
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if in.state != stateRunning {
			return nil, incorrectState(in, "rebooted")
		}
	}
	return &returnResponse{Return: true}, nil
}

func (s *Server) modifyInstanceAttribute(f form) (any, error) {
	ins, err := s.lookup([]string{f.get("InstanceId")})
	if err != nil {
		return nil, err
	}
	in := ins[0]
	itype := f.get("InstanceType.Value")
	if f.get("Attribute") == "instanceType" {
		itype = f.get("Value")
	}
	if itype == "" {
		return nil, clientError("InvalidParameterCombination", "This fake changes only the instanceType attribute.")
	}
	if !s.knownType(itype) {
		return nil, clientError("InvalidInstanceAttributeValue", "The instance type '%s' is not supported.", itype)
	}
	if in.state != stateStopped {
		return nil, clientError("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", in.id)
	}
	in.instanceType = itype
	return &returnResponse{Return: true}, nil
}

func (s *Server) getConsoleOutput(f form) (any, error) {
	ins, err := s.lookup([]string{f.get("InstanceId")})
	if err != nil {
		return nil, err
	}
	in := ins[0]
	out := &consoleOutputResponse{InstanceID: in.id, Timestamp: s.opts.Clock().UTC().Format(timeFormat)}
	text, ok := s.consoles[in.id]
	if !ok && in.booted {
		text = "[    0.000000] Linux version 6.1.0 (ec2fake)\r\nCloud-init finished\r\n"
	}
	if text != "" {
		out.Output = base64.StdEncoding.EncodeToString([]byte(text))
	}
	return out, nil
}
