package osfake

import (
	"crypto/md5" //nolint:gosec // Nova's key pair fingerprint is an MD5, by definition
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type flavor struct {
	ID, Name         string
	VCPUs, RAM, Disk int
}

type image struct {
	ID, Name, OS string
	Created      time.Time
}

type keypair struct{ Name, PublicKey, Fingerprint string }

// seedCatalog gives the cloud what every OpenStack project starts with:
// flavors, public images, a private and an external network and the
// default security group.
func (c *Cloud) seedCatalog() {
	c.flavors = []flavor{
		{"1", "m1.tiny", 1, 512, 1},
		{"2", "m1.small", 1, 2048, 20},
		{"3", "m1.medium", 2, 4096, 40},
		{"4", "m1.large", 4, 8192, 80},
	}
	created := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	for i, n := range []string{DefaultImage, "ubuntu-22.04", "rocky-9", "debian-12", "windows-server-2022"} {
		os := "linux"
		if strings.HasPrefix(n, "windows") {
			os = "windows"
		}
		c.images = append(c.images, image{ID: c.newID(2), Name: n, OS: os, Created: created.Add(time.Duration(i) * time.Hour)})
	}
	c.networks = []network{
		{ID: c.newID(3), Name: PrivateNet, Subnet: c.newID(4), CIDR: "10.0.0"},
		{ID: c.newID(3), Name: ExternalNet, Subnet: c.newID(4), CIDR: "203.0.113", External: true},
	}
	g := &secGroup{ID: c.newID(5), Name: "default", Description: "Default security group"}
	c.groups[g.ID] = g
}

func (c *Cloud) flavor(ref string) flavor {
	for _, f := range c.flavors {
		if f.ID == ref {
			return f
		}
	}
	return flavor{}
}

func (c *Cloud) flavorByName(name string) flavor {
	for _, f := range c.flavors {
		if f.Name == name {
			return f
		}
	}
	return flavor{}
}

func (c *Cloud) image(id string) *image {
	for i := range c.images {
		if c.images[i].ID == id {
			return &c.images[i]
		}
	}
	return nil
}

func flavorJSON(f flavor, base string) map[string]any {
	return map[string]any{
		"id": f.ID, "name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk,
		"OS-FLV-EXT-DATA:ephemeral": 0, "swap": "", "rxtx_factor": 1.0,
		"os-flavor-access:is_public": true, "OS-FLV-DISABLED:disabled": false,
		"links": []any{map[string]any{"rel": "self", "href": base + "/compute/v2.1/flavors/" + f.ID}},
	}
}

// listFlavors answers GET /flavors/detail in flavor id order, paged like
// servers with flavors_links.
func (c *Cloud) listFlavors(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := r.URL.Query()
	got, more, err := page(c.flavors, func(f flavor) string { return f.ID }, q, c.maxLimit)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, err.Error()))
		return
	}
	out := []any{}
	for _, f := range got {
		out = append(out, flavorJSON(f, c.srv.URL))
	}
	body := map[string]any{"flavors": out}
	if more {
		q.Set("marker", got[len(got)-1].ID)
		body["flavors_links"] = []any{map[string]any{"rel": "next", "href": c.srv.URL + r.URL.Path + "?" + q.Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}

func (c *Cloud) showFlavor(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.flavor(r.PathValue("id"))
	if f.ID == "" {
		writeJSON(w, http.StatusNotFound, fault("itemNotFound", 404, fmt.Sprintf("Flavor %s could not be found.", r.PathValue("id"))))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavor": flavorJSON(f, c.srv.URL)})
}

func keypairJSON(k keypair) map[string]any {
	return map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "user_id": UserID, "type": "ssh"}
}

func (c *Cloud) listKeypairs(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []any{}
	for _, k := range c.keypairs {
		out = append(out, map[string]any{"keypair": keypairJSON(k)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keypairs": out})
}

// createKeypair imports a public key (POST /os-keypairs with public_key);
// a name in use is 409, a key that is not OpenSSH is 400.
func (c *Cloud) createKeypair(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Keypair struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
		} `json:"keypair"`
	}
	if err := decode(r, &req); err != nil || req.Keypair.Name == "" {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Invalid input for field/attribute keypair."))
		return
	}
	fields := strings.Fields(req.Keypair.PublicKey)
	var blob []byte
	if len(fields) >= 2 {
		blob, _ = base64.StdEncoding.DecodeString(fields[1])
	}
	if len(blob) == 0 {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Keypair data is invalid: failed to generate fingerprint"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.keypairs[req.Keypair.Name]; ok {
		writeJSON(w, http.StatusConflict, fault("conflictingRequest", 409, fmt.Sprintf("Key pair '%s' already exists.", req.Keypair.Name)))
		return
	}
	sum := md5.Sum(blob) //nolint:gosec // see import
	fp := make([]string, len(sum))
	for i, b := range sum {
		fp[i] = fmt.Sprintf("%02x", b)
	}
	k := keypair{Name: req.Keypair.Name, PublicKey: req.Keypair.PublicKey, Fingerprint: strings.Join(fp, ":")}
	c.keypairs[k.Name] = k
	writeJSON(w, http.StatusOK, map[string]any{"keypair": keypairJSON(k)})
}

func (c *Cloud) showKeypair(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keypairs[r.PathValue("name")]
	if !ok {
		writeJSON(w, http.StatusNotFound, fault("itemNotFound", 404, fmt.Sprintf("Keypair %s not found for user %s", r.PathValue("name"), UserID)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keypair": keypairJSON(k)})
}
