package cloud

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// catalogFor is how long the inventory trusts a connection's images and
// flavors: they change seldom, and a cloud lists thousands of images.
const catalogFor = 10 * time.Minute

// CatalogMax is how many images a catalog answer holds at most: a picker
// of thousands is unreadable, the text filter narrows it.
const CatalogMax = 200

// CatalogQuery asks for a connection's catalog.
type CatalogQuery struct {
	Connection string
	Text       string // keep images and flavors whose id, name or description holds it (any case)
	Reload     bool   // ask the cloud again, whatever the cache holds
}

// CatalogView is what a connection's VMs can be made of, filtered.
type CatalogView struct {
	Images  []model.Image  `json:"images"` // at most CatalogMax
	Flavors []model.Flavor `json:"flavors"`
	// MoreImages is how many images the filter matched beyond CatalogMax.
	MoreImages int `json:"more_images"`
	// Placements are the key pairs, security groups and networks, where
	// the provider lists them (a Placer); not filtered.
	Placements Placements `json:"placements"`
	At         time.Time  `json:"at"` // when the cloud was asked
}

type catalogEntry struct {
	images     []model.Image
	flavors    []model.Flavor
	placements Placements
	at         time.Time
}

// catalogs caches each connection's catalog.
type catalogs struct {
	mu sync.Mutex
	by map[string]catalogEntry
}

// Catalog answers the images and flavors of a connection, from the cache
// if it is under catalogFor old and not asked to reload. A provider
// without a catalog answers ErrNotSupported: the form then takes ids as
// typed.
func (inv *Inventory) Catalog(ctx context.Context, q CatalogQuery) (CatalogView, error) {
	e, err := inv.catalog(ctx, q.Connection, q.Reload)
	if err != nil {
		return CatalogView{}, err
	}
	t := strings.ToLower(strings.TrimSpace(q.Text))
	has := func(fields ...string) bool {
		return slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), t) })
	}
	v := CatalogView{At: e.at, Placements: e.placements}
	for _, im := range e.images {
		if !has(im.ID, im.Name, im.Description, im.OS) {
			continue
		}
		if len(v.Images) == CatalogMax {
			v.MoreImages++
			continue
		}
		v.Images = append(v.Images, im)
	}
	for _, f := range e.flavors {
		if has(f.ID, f.Name) {
			v.Flavors = append(v.Flavors, f)
		}
	}
	return v, nil
}

func (inv *Inventory) catalog(ctx context.Context, conn string, reload bool) (catalogEntry, error) {
	inv.catalogs.mu.Lock()
	e, ok := inv.catalogs.by[conn]
	inv.catalogs.mu.Unlock()
	if ok && !reload && inv.now().Sub(e.at) < catalogFor {
		return e, nil
	}
	p, err := inv.conns.Open(ctx, conn)
	if err != nil {
		return catalogEntry{}, err
	}
	c, ok := p.(Catalog)
	if !ok {
		return catalogEntry{}, &Error{Kind: p.Kind(), Op: "list images", Message: "this cloud has no image or flavor catalog: type their ids", Is: ErrNotSupported}
	}
	e = catalogEntry{at: inv.now()}
	if e.images, err = c.Images(ctx); err != nil {
		return catalogEntry{}, err
	}
	if e.flavors, err = c.Flavors(ctx); err != nil {
		return catalogEntry{}, err
	}
	if pl, ok := p.(Placer); ok {
		// Suggestions only: a key the credentials may not list (an IAM
		// policy without DescribeKeyPairs) still leaves the images.
		if e.placements, err = pl.Placements(ctx); err != nil {
			inv.logger.Warn("list key pairs, security groups and networks", "connection", conn, "err", err)
		}
	}
	slices.SortFunc(e.images, func(a, b model.Image) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	slices.SortFunc(e.flavors, func(a, b model.Flavor) int {
		if a.VCPUs != b.VCPUs {
			return a.VCPUs - b.VCPUs
		}
		if a.MemoryMB != b.MemoryMB {
			return a.MemoryMB - b.MemoryMB
		}
		return strings.Compare(a.Name, b.Name)
	})
	inv.catalogs.mu.Lock()
	if inv.catalogs.by == nil {
		inv.catalogs.by = map[string]catalogEntry{}
	}
	inv.catalogs.by[conn] = e
	inv.catalogs.mu.Unlock()
	return e, nil
}
