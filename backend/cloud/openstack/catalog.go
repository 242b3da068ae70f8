package openstack

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/meshflow/meshflow/backend/model"
)

// Images lists the Glance images the project can boot, every page.
func (p *Provider) Images(ctx context.Context) ([]model.Image, error) {
	imgs, err := p.images(ctx, images.ListOpts{})
	if err != nil {
		return nil, p.fail("list images", err)
	}
	out := make([]model.Image, len(imgs))
	for i, im := range imgs {
		out[i] = model.Image{ID: im.ID, Name: im.Name, CreatedAt: im.CreatedAt}
		if os, ok := im.Properties["os_type"].(string); ok {
			out[i].OS = os
		}
		if d, ok := im.Properties["os_distro"].(string); ok {
			out[i].Description = d
		}
	}
	return out, nil
}

func (p *Provider) images(ctx context.Context, opts images.ListOpts) ([]images.Image, error) {
	pages, err := images.List(p.image, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return images.ExtractImages(pages)
}

// Flavors lists the flavors with their sizes, every page.
func (p *Provider) Flavors(ctx context.Context) ([]model.Flavor, error) {
	fs, err := p.flavors(ctx)
	if err != nil {
		return nil, p.fail("list flavors", err)
	}
	out := make([]model.Flavor, len(fs))
	for i, f := range fs {
		out[i] = model.Flavor{ID: f.ID, Name: f.Name, VCPUs: f.VCPUs, MemoryMB: f.RAM, DiskGB: f.Disk}
	}
	return out, nil
}

func (p *Provider) flavors(ctx context.Context) ([]flavors.Flavor, error) {
	pages, err := flavors.ListDetail(p.compute, nil).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return flavors.ExtractFlavors(pages)
}

// flavorID finds a flavor by id, else by name: Nova takes only ids.
func (p *Provider) flavorID(ctx context.Context, op, ref string) (string, error) {
	fs, err := p.flavors(ctx)
	if err != nil {
		return "", p.fail(op, err)
	}
	for _, f := range fs {
		if f.ID == ref {
			return f.ID, nil
		}
	}
	for _, f := range fs {
		if f.Name == ref {
			return f.ID, nil
		}
	}
	return "", p.notFound(op, fmt.Sprintf("no flavor is named or numbered %q", ref))
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// imageID takes a Glance id as is and looks a name up; a name that more
// than one image has is refused, since booting the wrong one is worse.
func (p *Provider) imageID(ctx context.Context, op, ref string) (string, error) {
	if uuidRE.MatchString(ref) {
		return ref, nil
	}
	imgs, err := p.images(ctx, images.ListOpts{Name: ref})
	if err != nil {
		return "", p.fail(op, err)
	}
	switch len(imgs) {
	case 0:
		return "", p.notFound(op, fmt.Sprintf("no image is named %q", ref))
	case 1:
		return imgs[0].ID, nil
	}
	ids := make([]string, len(imgs))
	for i, im := range imgs {
		ids[i] = im.ID
	}
	return "", p.invalid(op, fmt.Sprintf("%d images are named %q (%s); give an id", len(imgs), ref, strings.Join(ids, ", ")))
}

// ImportKey imports an OpenSSH public key as a Nova key pair. Importing
// the same key under the same name again is not an error; another key
// under that name is Nova's conflict.
func (p *Provider) ImportKey(ctx context.Context, name, publicKey string) error {
	op := "import key " + name
	_, err := keypairs.Create(ctx, p.compute, keypairs.CreateOpts{Name: name, PublicKey: publicKey}).Extract()
	if !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		return p.fail(op, err)
	}
	kp, gerr := keypairs.Get(ctx, p.compute, name, nil).Extract()
	if gerr == nil && sameKey(kp.PublicKey, publicKey) {
		return nil
	}
	return p.fail(op, err)
}

// sameKey compares two OpenSSH public keys by type and key, not comment.
func sameKey(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	return len(fa) >= 2 && len(fb) >= 2 && fa[0] == fb[0] && fa[1] == fb[1]
}
