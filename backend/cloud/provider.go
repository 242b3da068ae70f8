// Package cloud is the clouds' common ground: the Provider interface each
// cloud adapter implements (cloud/aws, cloud/azure, cloud/openstack,
// cloud/hosts), the optional capabilities not every cloud has, and the
// errors they answer with. The inventory service, which knows every VM of
// every connection, builds on it.
//
// Adapters are thin: they translate between a cloud's API and these types
// and say what the cloud said, in its words, when it refuses. Naming,
// idempotency keys, waiting and the record of what exists are the
// inventory's; an adapter never invents a name and never retries a create
// on its own beyond the SDK's retryer, which is safe because every create
// carries its Token.
package cloud

import (
	"context"

	"github.com/meshflow/meshflow/backend/model"
)

// Provider is one connection's cloud.
type Provider interface {
	// Kind is the cloud's kind.
	Kind() model.CloudKind
	// Identity checks the credentials and says who they authenticate as,
	// for "Test connection": an ARN, a service principal and tenant, a
	// Keystone user and project.
	Identity(ctx context.Context) (string, error)
	// List returns every VM the connection can see, every page of them.
	List(ctx context.Context) ([]model.VM, error)
	// Get returns one VM by its cloud id; model.ErrNotFound if the cloud
	// does not know it.
	Get(ctx context.Context, id string) (model.VM, error)
	// Create creates one VM as spec says and returns it as the cloud
	// first reports it (usually pending). Called again with the same
	// spec.Token — after a timeout, a crash, a retry — it returns the VM
	// the first call made and never makes a second.
	Create(ctx context.Context, spec CreateSpec) (model.VM, error)
	// Start, Stop and Destroy act on one VM by cloud id, never by name.
	// Each returns once the cloud has accepted the request; the VM's
	// state then changes on its own (see the inventory's waiting).
	// Destroying a VM that is already gone is not an error.
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	Destroy(ctx context.Context, id string) error
}

// CreateSpec is what a VM is created from. Empty fields take the
// connection's defaults, then the cloud's.
type CreateSpec struct {
	// Name is the VM's name, chosen by the inventory; the adapter uses it
	// as is (the Name tag on EC2, the resource names on Azure).
	Name string
	// Token is the idempotency key: the inventory makes it and records it
	// before the first call, so a retried create finds the VM it made.
	Token         string
	Image         string // image id (AMI, image URN or resource id, Glance id or name)
	Flavor        string // instance type, VM size, flavor name or id
	KeyName       string // a key pair the cloud knows
	PublicKey     string // or an OpenSSH public key (Azure takes one per VM)
	Username      string // the admin user, where the cloud asks for one (Azure)
	SecurityGroup string // a security group / NSG to use; empty: one that opens SSH to SSHFrom
	SSHFrom       string // CIDR allowed to reach port 22 when the adapter makes the group, e.g. 203.0.113.7/32
	Network       string // network or subnet id/name
	Zone          string
	PublicIP      bool // give it a public address; false: the network's default
	// Hibernate launches it able to hibernate, so that suspend works
	// later on EC2, which allows it only for instances launched so (and
	// with an encrypted root volume large enough for the memory).
	Hibernate bool
	UserData  string
	Tags      map[string]string
}

// The capabilities below are optional: the inventory checks for them with
// a type assertion and answers ErrNotSupported for a provider without.

// Suspender suspends a VM and resumes it: EC2 hibernation (where the
// instance was launched with it), Azure deallocation, OpenStack suspend.
type Suspender interface {
	Suspend(ctx context.Context, id string) error
	Resume(ctx context.Context, id string) error
}

// Rebooter reboots a VM.
type Rebooter interface {
	Reboot(ctx context.Context, id string) error
}

// Resizer changes a VM's flavor. A cloud that asks for the change to be
// confirmed (OpenStack's VERIFY_RESIZE) is confirmed by ConfirmResize, or
// undone by RevertResize, where the provider is also a ResizeConfirmer.
type Resizer interface {
	Resize(ctx context.Context, id, flavor string) error
}

// ResizeConfirmer confirms or reverts a resize the cloud waits on.
type ResizeConfirmer interface {
	ConfirmResize(ctx context.Context, id string) error
	RevertResize(ctx context.Context, id string) error
}

// Rebuilder reinstalls a VM from another image, keeping its id and
// addresses.
type Rebuilder interface {
	Rebuild(ctx context.Context, id, image string) error
}

// Renamer renames a VM where the cloud allows it.
type Renamer interface {
	Rename(ctx context.Context, id, name string) error
}

// PublicAddresser gives a VM a public address and takes it back: an EC2
// Elastic IP, an Azure public IP, an OpenStack floating IP.
type PublicAddresser interface {
	AssignPublicIP(ctx context.Context, id string) (string, error)
	ReleasePublicIP(ctx context.Context, id, ip string) error
}

// Catalog lists what VMs can be made of. The inventory caches both.
type Catalog interface {
	Images(ctx context.Context) ([]model.Image, error)
	Flavors(ctx context.Context) ([]model.Flavor, error)
}

// Placer lists what else a VM is made with: the key pairs, security
// groups and networks (or subnets) a create form offers. The inventory
// caches them with the catalog.
type Placer interface {
	Placements(ctx context.Context) (Placements, error)
}

// Placements are a connection's key pairs, security groups and networks,
// each by the id a CreateSpec takes and a name to show.
type Placements struct {
	KeyPairs       []Named `json:"key_pairs"`
	SecurityGroups []Named `json:"security_groups"`
	Networks       []Named `json:"networks"`
}

// Named is one thing of a cloud, by id and name.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// KeyImporter imports an OpenSSH public key as a key pair named name.
type KeyImporter interface {
	ImportKey(ctx context.Context, name, publicKey string) error
}

// Consoler reads a VM's console output (its boot log).
type Consoler interface {
	ConsoleOutput(ctx context.Context, id string) (string, error)
}
