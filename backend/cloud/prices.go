package cloud

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

//go:embed prices.csv
var embeddedPrices []byte

// Price is what a flavor costs to run for an hour, as an estimate.
type Price struct {
	Unit    string  // "USD", or "SU" for an OpenStack allocation
	PerHour float64 // compute only; disks and addresses are billed apart
	AsOf    string  // when the figure was taken, "2025-06"
	Source  string
}

// Prices estimates what VMs cost, from the table meshflow embeds and the
// user's own rows over it (prices.csv in the data dir).
type Prices struct {
	rows map[priceKey]Price
}

type priceKey struct {
	cloud  model.CloudKind
	region string
	flavor string
}

// LoadPrices reads the embedded table and then user, whose rows replace
// those with the same cloud, region and flavor. An error names the file,
// the line and the column at fault.
func LoadPrices(user []byte, userName string) (*Prices, error) {
	p := &Prices{rows: map[priceKey]Price{}}
	if err := p.read(embeddedPrices, "the embedded price table"); err != nil {
		return nil, err
	}
	if len(user) > 0 {
		if err := p.read(user, userName); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Prices) read(data []byte, name string) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 7
	header := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w: each row is cloud,region,flavor,unit,per_hour,as_of,source", name, err)
		}
		if header {
			header = false
			if rec[0] == "cloud" {
				continue
			}
		}
		line, _ := r.FieldPos(4)
		perHour, err := strconv.ParseFloat(strings.TrimSpace(rec[4]), 64)
		if err != nil || perHour < 0 {
			return fmt.Errorf("%s:%d: per_hour %q is not a price: write it as a number, e.g. 0.0416", name, line, rec[4])
		}
		k := priceKey{model.CloudKind(strings.TrimSpace(rec[0])), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])}
		p.rows[k] = Price{Unit: strings.TrimSpace(rec[3]), PerHour: perHour, AsOf: strings.TrimSpace(rec[5]), Source: strings.TrimSpace(rec[6])}
	}
}

// Of returns the estimate for a VM's flavor in its region, or false when
// the table has none: the UI then shows "—", never "free".
func (p *Prices) Of(kind model.CloudKind, region, flavor string) (Price, bool) {
	if pr, ok := p.rows[priceKey{kind, region, flavor}]; ok {
		return pr, true
	}
	pr, ok := p.rows[priceKey{kind, "*", flavor}]
	return pr, ok
}

// OfVM is the estimate of what vm costs now: none while it is not billed,
// or with no table (p nil), or for a flavor the table does not know.
func (p *Prices) OfVM(vm model.VM) (Price, bool) {
	if p == nil || !vm.Billed() {
		return Price{}, false
	}
	return p.Of(vm.Kind, vm.Region, vm.Flavor)
}
