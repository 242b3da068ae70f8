package importers

import (
	"fmt"
	"slices"

	"github.com/meshflow/meshflow/backend/model"
)

// cmEntry is one cloud of a Cloudmesh file in either layout.
type cmEntry struct {
	name, kind, src string
	active          bool
	creds, def      *obj
}

// parseCloudmesh reads ~/.cloudmesh/cloudmesh.yaml or cloudmesh4.yaml: the
// CM4 layout (cloudmesh.cloud.<name> with cm.kind), the older one
// (cloudmesh.clouds.<name> with cm_type), storage and cluster entries.
// Sections that hold no cloud (profile, data, comet…) are not looked at.
func parseCloudmesh(r *Result, f *File) error {
	doc, err := parseYAML(f.Path, f.Data)
	if err != nil {
		return err
	}
	cm := doc.obj("cloudmesh")
	file := shortPath(f.Path)
	cm.obj("cloud").each(func(name string, e *obj) {
		meta := e.obj("cm")
		cmCloud(r, cmEntry{
			name: name, kind: meta.str("kind"), src: file + " cloud " + name,
			active: activeFlag(meta), creds: e.obj("credentials"), def: e.obj("default"),
		})
	})
	active, _ := cm.get("active").([]any) // the old layout lists its active clouds
	cm.obj("clouds").each(func(name string, e *obj) {
		cmCloud(r, cmEntry{
			name: name, kind: e.str("cm_type"), src: file + " cloud " + name,
			active: active == nil || slices.Contains(active, any(name)), creds: e.obj("credentials"), def: e.obj("default"),
		})
	})
	cm.obj("storage").each(func(name string, e *obj) { cmStorage(r, file+" storage "+name, name, e) })
	cm.obj("cluster").each(func(name string, e *obj) { cmCluster(r, file+" cluster "+name, name, e) })
	for _, section := range []string{"volume", "database"} {
		cm.obj(section).each(func(name string, _ *obj) {
			r.skip(file+" "+section+" "+name, name, section+" entries are not connections; meshflow does not import them")
		})
	}
	return nil
}

// cmCloud turns one cloud entry into a connection by its kind. Cloudmesh
// called OpenStack "vm" in early CM4 files and EC2 "ec2" in the old layout.
func cmCloud(r *Result, e cmEntry) {
	var c model.Connection
	ok := false
	switch e.kind {
	case "aws", "awslibcloud", "ec2":
		c, ok = cmAWS(r, e)
	case "azure", "azure_arm":
		if e.creds.has("managementcertfile") || e.creds.has("thumbprint") {
			r.skip(e.src, e.name, "Azure classic (management certificate) API: retired by Microsoft; create a service principal instead")
			return
		}
		a := azureFromVars(e.creds.str)
		if a.location == "" {
			a.location = e.creds.str("location")
		}
		if c, ok = a.build(r, e.name, e.src); ok {
			setIf(c.Settings, model.SettingResourceGroup, firstSet(e.def.str("resource_group"), e.def.str("group"), e.creds.str("resourcegroup")))
		}
	case "openstack", "vm":
		a := osFromEnv(e.creds.str)
		if e.creds.has("auth") {
			a = osFromCloud(e.creds)
		}
		c, ok = a.build(r, e.name, e.src)
	default:
		r.skip(e.src, e.name, unusableKind(e.kind))
		return
	}
	if !ok {
		return
	}
	setIf(c.Defaults, model.DefaultImage, e.def.str("image"))
	setIf(c.Defaults, model.DefaultFlavor, firstSet(e.def.str("flavor"), e.def.str("size")))
	setIf(c.Defaults, model.DefaultUsername, firstSet(e.def.str("username"), e.def.str("AZURE_VM_USER")))
	setIf(c.Defaults, model.DefaultNetwork, e.def.str("network"))
	c.Active = e.active
	r.Connections = append(r.Connections, c)
}

func cmAWS(r *Result, e cmEntry) (model.Connection, bool) {
	c := newConn(model.CloudAWS, e.name, e.src)
	id, secret := firstSet(e.creds.str("EC2_ACCESS_ID"), e.creds.str("EC2_ACCESS_KEY")), e.creds.str("EC2_SECRET_KEY")
	if placeholder(id) || placeholder(secret) {
		r.skip(e.src, e.name, "EC2_ACCESS_ID or EC2_SECRET_KEY is missing or a placeholder")
		return c, false
	}
	c.Settings[model.SettingAccessKeyID] = id
	c.Secrets[model.SecretAccessKey] = secret
	setIf(c.Settings, model.SettingRegion, firstSet(e.creds.str("region"), e.creds.str("EC2_REGION"), e.def.str("location")))
	setIf(c.Settings, model.SettingEndpoint, e.creds.str("EC2_URL"))
	setIf(c.Defaults, model.DefaultSecurityGroup, e.creds.str("EC2_SECURITY_GROUP"))
	setIf(c.Defaults, model.DefaultKeyName, firstSet(e.creds.str("EC2_PRIVATE_KEY_FILE_NAME"), e.creds.str("keyname")))
	return c, true
}

func unusableKind(kind string) string {
	switch {
	case placeholder(kind):
		return "no kind (cm.kind is missing or a placeholder)"
	case kind == "google" || kind == "gcp":
		return `kind "google": meshflow does not manage Google Cloud`
	}
	return fmt.Sprintf("kind %q: meshflow manages AWS, Azure, OpenStack and SSH hosts", kind)
}

// activeFlag reads Cloudmesh's active: an entry that does not say is taken
// as active, since its owner filled it in to use it.
func activeFlag(o *obj) bool {
	return !o.has("active") || truthy(o.str("active"))
}

// firstSet returns the first value that is set and not a placeholder.
func firstSet(vs ...string) string {
	for _, v := range vs {
		if !placeholder(v) {
			return v
		}
	}
	return ""
}
