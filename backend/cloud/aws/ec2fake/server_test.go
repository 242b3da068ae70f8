package ec2fake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// client is the real SDK client pointed at a fake. It retries only
// connection errors: about one call in a few hundred through the SDK here
// finds its keep-alive connection closed under it (not seen with plain
// net/http), and the SDK's retryer takes that in its stride in use; every
// answer of EC2's, throttling included, comes back on the first try.
func client(t *testing.T, opts ec2fake.Options) (*ec2.Client, *ec2fake.Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opts.Clock = clk.Now
	srv := ec2fake.New(opts)
	t.Cleanup(srv.Close)
	c := ec2.New(ec2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
			o.RateLimiter = ratelimit.None
		}),
	})
	return c, srv, clk
}

// apiError returns EC2's code and the HTTP status it came with.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &ae) || !errors.As(err, &status) {
		t.Fatalf("err = %v, want an EC2 error", err)
	}
	return ae.ErrorCode(), status.HTTPStatusCode()
}

func TestDescribeInstancesPagesSkipNothing(t *testing.T) {
	c, srv, _ := client(t, ec2fake.Options{})
	ids := srv.Seed(12)
	ctx := context.Background()
	seen := map[string]bool{}
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	n := 0
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 1 {
			// An instance terminated between pages costs no other.
			if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{ids[5]}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				seen[aws.ToString(in.InstanceId)] = true
			}
		}
	}
	if n != 3 || len(seen) != 12 {
		t.Errorf("%d pages, %d instances; want 3 and 12", n, len(seen))
	}
}

func TestDescribeInstancesRefusesWhatEC2Refuses(t *testing.T) {
	c, srv, _ := client(t, ec2fake.Options{})
	id := srv.Seed(1)[0]
	ctx := context.Background()
	cases := []struct {
		name string
		in   *ec2.DescribeInstancesInput
		code string
	}{
		{"page too small", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
		{"page too big", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)}, "InvalidParameterValue"},
		{"ids and a page size", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), InstanceIds: []string{id}}, "InvalidParameterCombination"},
		{"bad token", &ec2.DescribeInstancesInput{NextToken: aws.String("%%%")}, "InvalidPaginationToken"},
		{"unknown id", &ec2.DescribeInstancesInput{InstanceIds: []string{id, "i-0000000000000dead"}}, "InvalidInstanceID.NotFound"},
		{"unknown filter", &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}}}, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.DescribeInstances(ctx, tc.in)
			if code, status := apiError(t, err); code != tc.code || status != http.StatusBadRequest {
				t.Errorf("got %s (%d), want %s (400)", code, status, tc.code)
			}
		})
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	c, srv, _ := client(t, ec2fake.Options{})
	ids := srv.Seed(12)
	ctx := context.Background()
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[:2]}); err != nil {
		t.Fatal(err)
	}
	count := func(f ...types.Filter) int {
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
		}
		return n
	}
	filter := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	if n := count(filter("instance-state-name", "stopped", "stopping")); n != 2 {
		t.Errorf("stopped or stopping: %d, want 2", n)
	}
	if n := count(filter("tag:Name", "seed-1*")); n != 4 { // seed-1, seed-10, seed-11, seed-12
		t.Errorf("Name seed-1*: %d, want 4", n)
	}
	if n := count(filter("tag:Name", "seed-1*"), filter("instance-state-name", "running")); n != 3 {
		t.Errorf("Name seed-1* and running: %d, want 3", n)
	}
}

func TestStartAndStopFollowTheStateMachine(t *testing.T) {
	c, srv, clk := client(t, ec2fake.Options{StopTime: time.Minute})
	id := srv.Seed(1)[0]
	ctx := context.Background()
	out, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	if err != nil || out.StartingInstances[0].CurrentState.Name != types.InstanceStateNameRunning {
		t.Fatalf("starting a running instance: %v %+v; want a no-op", err, out)
	}
	stop, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if ch := stop.StoppingInstances[0]; aws.ToInt32(ch.CurrentState.Code) != 64 || aws.ToInt32(ch.PreviousState.Code) != 16 {
		t.Errorf("stop: %+v %+v, want 16 → 64", ch.PreviousState, ch.CurrentState)
	}
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	if code, _ := apiError(t, err); code != "IncorrectInstanceState" {
		t.Errorf("starting a stopping instance: %s", code)
	}
	clk.Add(time.Minute)
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Errorf("starting a stopped instance: %v", err)
	}
}

func TestTerminatedInstancesVanishButTheirTokenStays(t *testing.T) {
	c, _, clk := client(t, ec2fake.Options{TerminatedTTL: time.Hour})
	ctx := context.Background()
	run := func() (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String("ami-0a1b2c3d4e5f60001"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("t-1"),
		})
	}
	first, err := run()
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(first.Instances[0].InstanceId)
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	clk.Add(59 * time.Minute)
	if _, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Errorf("a terminated instance is listed for a while: %v", err)
	}
	clk.Add(time.Minute)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if code, _ := apiError(t, err); code != "InvalidInstanceID.NotFound" {
		t.Errorf("an hour after termination: %s", code)
	}
	again, err := run()
	if err != nil || aws.ToString(again.ReservationId) != aws.ToString(first.ReservationId) {
		t.Errorf("the token's reservation: %v %v, want %s", again, err, aws.ToString(first.ReservationId))
	}
}

func TestThrottlingAnswersRequestLimitExceeded503(t *testing.T) {
	c, srv, _ := client(t, ec2fake.Options{})
	srv.Throttle(1)
	_, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	if code, status := apiError(t, err); code != "RequestLimitExceeded" || status != http.StatusServiceUnavailable {
		t.Errorf("got %s (%d)", code, status)
	}
	if _, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{}); err != nil {
		t.Errorf("after the throttled call: %v", err)
	}
}

func TestUnsignedAndUnknownRequests(t *testing.T) {
	_, srv, _ := client(t, ec2fake.Options{})
	post := func(form url.Values, signed bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signed {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260302/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := post(url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}}, false); status != 401 || !strings.Contains(body, "<Code>AuthFailure</Code>") {
		t.Errorf("unsigned: %d %s", status, body)
	}
	if status, body := post(url.Values{"Action": {"LaunchRocket"}, "Version": {"2016-11-15"}}, true); status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("unknown action: %d %s", status, body)
	}
}

func TestLatencyIsSleptPerCall(t *testing.T) {
	c, _, _ := client(t, ec2fake.Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	if _, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("a call took %v, want at least the 30ms latency", d)
	}
}
