package cloud_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// Generated names follow the pattern saved in the settings, count on for
// good, and pass over a name the cloud has; a pattern without {counter}
// names one VM, and that name twice is refused.
func TestNamesFollowThePattern(t *testing.T) {
	st := openStore(t)
	inv, fake := awsLabOn(t, st, ec2fake.Options{}, cloud.Options{})
	ctx := t.Context()
	names := func(req cloud.CreateRequest) ([]string, error) {
		t.Helper()
		req.Connection, req.Spec = "lab", labSpec()
		made, err := inv.Create(ctx, req)
		var out []string
		for _, vm := range made {
			out = append(out, vm.Name)
		}
		return out, err
	}
	if _, err := names(cloud.CreateRequest{Names: []string{"ann-vm-1"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := names(cloud.CreateRequest{Count: 2}); err != nil || !slices.Equal(got, []string{"ann-vm-2", "ann-vm-3"}) {
		t.Errorf("default pattern, ann-vm-1 taken = %v, %v", got, err)
	}

	vs := model.DefaultVMSettings()
	vs.NamePattern = "{connection}-{prefix}{counter}-{user}"
	if err := st.SaveVMSettings(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if got, err := names(cloud.CreateRequest{Count: 2, Prefix: "etl"}); err != nil || !slices.Equal(got, []string{"lab-etl1-ann", "lab-etl2-ann"}) {
		t.Errorf("own pattern = %v, %v", got, err)
	}

	vs.NamePattern = "{user}-solo"
	if err := st.SaveVMSettings(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if _, err := names(cloud.CreateRequest{Count: 2}); !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "has no {counter}") {
		t.Errorf("two VMs from a pattern without a counter: %v", err)
	}
	if got, err := names(cloud.CreateRequest{}); err != nil || !slices.Equal(got, []string{"ann-solo"}) {
		t.Errorf("one VM from it = %v, %v", got, err)
	}
	if _, err := names(cloud.CreateRequest{}); !errors.Is(err, model.ErrConflict) || !strings.Contains(err.Error(), "already has a VM named ann-solo") {
		t.Errorf("its name again: %v", err)
	}
	if n := fake.Calls("RunInstances"); n != 6 {
		t.Errorf("RunInstances called %d times, want 6", n)
	}
}

func TestCheckNamePattern(t *testing.T) {
	for _, tc := range []struct{ pattern, wantErr string }{
		{model.CloudmeshNamePattern, ""},
		{"{prefix}-{counter}", ""},
		{"{user}-box", ""},
		{"{user}-{host}-{counter}", "has {host}, which meshflow does not know: use {user}, {prefix}, {connection}, {counter}"},
		{"{user-{counter}", "a brace without its pair"},
		{"Ann_{counter}", "lower-case letters, digits and dashes"},
		{" ", "is empty"},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			err := cloud.CheckNamePattern(tc.pattern)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (!errors.Is(err, model.ErrInvalid) || !strings.Contains(fmt.Sprint(err), tc.wantErr)) {
				t.Errorf("CheckNamePattern(%q) = %v, want %q", tc.pattern, err, tc.wantErr)
			}
		})
	}
}
