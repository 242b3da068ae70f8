package model

import "time"

// CloudKind is the kind of a connection: which cloud API it speaks.
type CloudKind string

const (
	CloudAWS       CloudKind = "aws"       // EC2, or an EC2-compatible cloud at a custom endpoint
	CloudAzure     CloudKind = "azure"     // Azure Resource Manager compute and network
	CloudOpenStack CloudKind = "openstack" // Keystone v3 + Nova + Neutron: Chameleon, Jetstream2, …
	CloudHosts     CloudKind = "hosts"     // a static list of machines reached over SSH
)

// VMState is a VM's state in meshflow's words, the same for every cloud;
// VM.CloudState keeps the cloud's own.
type VMState string

const (
	VMPending   VMState = "pending"   // being created or booting
	VMRunning   VMState = "running"   // on, and billed
	VMStopping  VMState = "stopping"  // shutting down
	VMStopped   VMState = "stopped"   // off; on AWS and OpenStack its disk is still billed
	VMSuspended VMState = "suspended" // hibernated (EC2), deallocated (Azure), suspended or shelved (OpenStack)
	VMRebooting VMState = "rebooting"
	VMResizing  VMState = "resizing" // changing flavor; on OpenStack it may wait to be confirmed
	VMDeleting  VMState = "deleting" // being destroyed
	VMDeleted   VMState = "deleted"  // gone, or going: AWS lists terminated instances for an hour
	VMError     VMState = "error"    // the cloud reports a failure
	VMUnknown   VMState = "unknown"  // a state meshflow has no word for; CloudState says which
)

// Billed reports whether a VM in this state costs compute time: the
// forgotten-VM guard looks for these.
func (s VMState) Billed() bool {
	switch s {
	case VMPending, VMRunning, VMRebooting, VMResizing, VMStopping:
		return true
	}
	return false
}

// Billed reports whether the VM costs compute time now: running (or on
// its way there), or stopped in a way its cloud still bills.
func (vm VM) Billed() bool { return vm.State.Billed() || vm.StillBilled }

// Done reports whether the VM is gone for good.
func (s VMState) Done() bool { return s == VMDeleted }

// VM is one virtual machine (or static host) as a cloud describes it.
type VM struct {
	Connection string            `json:"connection"` // the name of the connection it was found through
	Kind       CloudKind         `json:"kind"`       // its cloud; set by the inventory from the connection
	ID         string            `json:"id"`         // the cloud's id: i-0abc…, an Azure resource id, a Nova server uuid, host:port
	Name       string            `json:"name"`
	State      VMState           `json:"state"`
	CloudState string            `json:"cloud_state"`    // the cloud's own word: "stopped", "PowerState/deallocated", "SHUTOFF"
	Region     string            `json:"region"`         // region, or Azure location
	Zone       string            `json:"zone,omitempty"` // availability zone, where the cloud has one
	Flavor     string            `json:"flavor"`         // instance type, VM size, flavor name
	Image      string            `json:"image"`          // image id or name
	KeyName    string            `json:"key_name,omitempty"`
	PublicIPs  []string          `json:"public_ips"`
	PrivateIPs []string          `json:"private_ips"`
	Tags       map[string]string `json:"tags"`
	LaunchedAt time.Time         `json:"launched_at"` // when the cloud started it (EC2 launch time, Nova created); zero if unknown
	// StillBilled marks a VM that is not running but whose compute the
	// cloud bills in full: an Azure VM powered off but not deallocated.
	StillBilled bool `json:"still_billed,omitempty"`
	// Token is the idempotency key it was created with, where the cloud
	// keeps one (EC2 ClientToken, the meshflow-token tag or metadata): a
	// create retried after a crash finds the VM by it.
	Token string `json:"token,omitempty"`
	// Details is everything else the cloud says that is worth showing:
	// vpc, subnet, security groups, host id, fault message.
	Details map[string]string `json:"details,omitempty"`
}

// Image is a machine image a VM can be created from.
type Image struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	OS          string    `json:"os,omitempty"` // "linux", "windows", or "" if the cloud does not say
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// Flavor is a VM size: an EC2 instance type, an Azure VM size, a Nova
// flavor.
type Flavor struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	VCPUs    int    `json:"vcpus"`
	MemoryMB int    `json:"memory_mb"`
	DiskGB   int    `json:"disk_gb"`
}

// VMRecord is what meshflow knows of a VM: the cloud's description at the
// last refresh that saw it, and when it was first and last seen. A VM the
// cloud no longer lists is kept, Gone, with its history.
type VMRecord struct {
	VM
	// Labels are the tags given in meshflow rather than by the cloud;
	// Tags holds them too, over a cloud tag of the same key.
	Labels    map[string]string `json:"labels,omitempty"`
	FirstSeen time.Time         `json:"first_seen"`
	LastSeen  time.Time         `json:"last_seen"`
	GoneAt    time.Time         `json:"gone_at,omitzero"` // zero while the cloud lists it
}

// VMEventKind says what happened to a VM.
type VMEventKind string

const (
	VMAppeared VMEventKind = "appeared" // a refresh found a VM meshflow did not know
	VMVanished VMEventKind = "vanished" // a refresh no longer found a known VM
	VMChanged  VMEventKind = "changed"  // its state changed between refreshes
	VMActed    VMEventKind = "action"   // meshflow asked the cloud to act on it (create, start, …)
	VMWarned   VMEventKind = "warning"  // the forgotten-VM guard will stop it unless it is used
)

// VMEvent is one entry of a VM's history.
type VMEvent struct {
	ID         int64       `json:"id"`
	At         time.Time   `json:"at"`
	Connection string      `json:"connection"`
	VMID       string      `json:"vm_id"`
	Name       string      `json:"name"`
	Kind       VMEventKind `json:"kind"`
	From       VMState     `json:"from,omitempty"` // for changes
	To         VMState     `json:"to,omitempty"`
	Message    string      `json:"message"` // "started by run 12", "stopped outside meshflow", the cloud's error
}

// VMSnapshot is one refresh of one connection: the VMs its cloud listed,
// the ids of known VMs it no longer lists, and the events the refresh
// found.
type VMSnapshot struct {
	Connection string
	At         time.Time
	Seen       []VM
	Gone       []string
	Events     []VMEvent
}

// RefreshStatus is how the last refresh of one connection went.
type RefreshStatus struct {
	Connection string    `json:"connection"`
	At         time.Time `json:"at"`              // when it ended; zero: never refreshed
	VMs        int       `json:"vms"`             // how many it found
	Error      string    `json:"error,omitempty"` // why it failed; the VMs shown are then as of the refresh before
}

// VMIntent is a create meshflow has asked for, recorded before the cloud
// is called: a meshflow that dies before the cloud answers finds it at
// its next start and asks again with the same token, which finds the VM
// the first call made instead of making another.
type VMIntent struct {
	Token      string
	Connection string
	Name       string
	Spec       []byte // the create spec as JSON, to ask again with
	Request    string // the key of the request it was made for (see cloud.CreateRequest.Key)
	CreatedAt  time.Time
	VMID       string // set once the cloud has answered
	Error      string // why the create failed for good
}
