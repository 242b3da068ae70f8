package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sync"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/azure"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/cloud/hosts"
	"github.com/meshflow/meshflow/backend/cloud/openstack"
	"github.com/meshflow/meshflow/backend/model"
)

// Connections returns the data dir's cloud connections, sealed under its
// master key.
func (a *App) Connections() *connections.Service {
	return connections.New(a.Store, a.Keys(), openProvider)
}

// openProvider opens a connection's cloud adapter with its settings and
// opened secrets.
func openProvider(c model.Connection) (cloud.Provider, error) {
	set, sec := c.Settings, c.Secrets
	switch c.Kind {
	case model.CloudAWS:
		return aws.New(context.Background(), aws.Config{
			Connection: c.Name, Region: set[model.SettingRegion], Profile: set[model.SettingProfile],
			AccessKeyID: set[model.SettingAccessKeyID], SecretAccessKey: sec[model.SecretAccessKey],
			SessionToken: sec[model.SecretSessionToken], Endpoint: set[model.SettingEndpoint],
		})
	case model.CloudAzure:
		return azure.New(azure.Config{
			Connection: c.Name, TenantID: set[model.SettingTenantID], SubscriptionID: set[model.SettingSubscriptionID],
			ClientID: set[model.SettingClientID], ClientSecret: sec[model.SecretClientSecret],
			Location: set[model.SettingLocation], ResourceGroup: set[model.SettingResourceGroup],
		})
	case model.CloudOpenStack:
		return openstack.New(context.Background(), openstack.FromConnection(c, nil))
	case model.CloudHosts:
		return hosts.New(hosts.Config{Connection: c.Name, Hosts: c.Hosts}), nil
	}
	return nil, &cloud.Error{Kind: c.Kind, Connection: c.Name, Op: "open", Message: "meshflow knows no cloud of kind " + string(c.Kind), Is: model.ErrInvalid}
}

// inventoryConns gives the inventory the active connections and their
// providers.
type inventoryConns struct{ svc *connections.Service }

func (c inventoryConns) Active(ctx context.Context) ([]string, error) {
	all, err := c.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, conn := range all {
		if conn.Active {
			out = append(out, conn.Name)
		}
	}
	return out, nil
}

func (c inventoryConns) Open(ctx context.Context, name string) (cloud.Provider, error) {
	return c.svc.Provider(ctx, name)
}

func (c inventoryConns) Defaults(ctx context.Context, name string) (map[string]string, error) {
	info, err := c.svc.Get(ctx, name)
	return info.Defaults, err
}

var _ cloud.Defaulter = inventoryConns{}

// Inventory returns the data dir's VM inventory, built the first time.
func (a *App) Inventory() *cloud.Inventory {
	a.inventoryOnce.Do(func() {
		prices, err := a.Prices()
		if err != nil {
			// Lists show no costs rather than no VMs; the log says which
			// line of prices.csv to fix.
			a.Logger.Error("VM prices", "err", err)
		}
		a.inventory = cloud.NewInventory(a.Store, inventoryConns{a.Connections()}, cloud.Options{User: osUser(), Prices: prices, Logger: a.Logger})
	})
	return a.inventory
}

// PricesFile is where a user's own VM prices live, over the embedded table.
func (d DataDir) PricesFile() string { return filepath.Join(string(d), "prices.csv") }

// Prices loads the VM price estimates: the embedded table under the data
// dir's prices.csv, if there is one. A broken file is an error that names
// its line, not a silent fall back.
func (a *App) Prices() (*cloud.Prices, error) {
	path := a.Dir.PricesFile()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read VM prices: %w", err)
	}
	return cloud.LoadPrices(data, path)
}

// osUser is the {user} of generated VM names.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// inventoryState is the inventory App builds once.
type inventoryState struct {
	inventoryOnce sync.Once
	inventory     *cloud.Inventory
}
