//go:build !race

package dag

// slowdown scales the time limits of tests; see race_on_test.go.
const slowdown = 1
